"""NIfTI and Analyze (formats/nifti.py, formats/nifti_notes.py): what the file holds is what
the user gets, whether voxels are read directly or through SimpleITK.

- Direct reads: where the voxels need no conversion they are read from the file itself,
  identical to SimpleITK; scaled and vector files go through SimpleITK.
- NaN and infinities (niftilib makes them 0), pixel types, header fields SimpleITK does not
  apply (reported as notes), and the file asked for rather than its twin.

NIfTI files are written with nibabel (independent of SimpleITK); values and corner
positions are checked against what was written.
"""

from __future__ import annotations

import gzip
import os
import struct

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy

import sitkvtk
from sitkvtk.formats import nifti
from sitkvtk.sources.file import read_header
from synthetic import corners, index_values, oblique_image, vtk_values, vtk_world

SIZE = (5, 4, 3)  # x, y, z
SPECIAL = {(0, 0, 0): np.nan, (1, 0, 0): np.inf, (4, 3, 2): -np.inf, (2, 1, 1): np.nan}


def _affine():
    """RAS affine: oblique, anisotropic, off origin."""
    rotation = np.array([[0.36, -0.48, 0.8], [0.8, 0.6, 0.0], [-0.48, 0.64, 0.6]])
    affine = np.eye(4)
    affine[:3, :3] = rotation @ np.diag([0.7, 1.3, 2.1])
    affine[:3, 3] = [12.5, -33.25, 7.75]
    return affine


def _permuted_affine():
    """RAS affine: axes x and y swapped, anisotropic, off origin."""
    affine = np.eye(4)
    affine[:3, :3] = np.diag([0.8, 1.1, 2.5]) @ np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1.0]])
    affine[:3, 3] = [12.0, -40.0, 7.5]
    return affine


def _special_values(dtype, size=SIZE, steps=1):
    """(x, y, z[, t]) array, index-encoding, with NaN and infinities at SPECIAL."""
    values = index_values(
        tuple(size[::-1]) if steps == 1 else (steps,) + tuple(size[::-1]), 1, dtype
    )
    values = values.T.copy()  # nibabel wants (x, y, z[, t])
    for index, value in SPECIAL.items():
        values[index] = value
    return values


def _write_nifti(path, data, slope=None, inter=None):
    nib.save(nib.Nifti1Image(data, _affine(), dtype=data.dtype), path)
    if slope is not None:  # nibabel would rescale the data; patch the header instead
        _set(path, 112, "ff", slope, inter)


def _set(path, offset, fmt, *values):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as stream:
        raw = bytearray(stream.read())
    struct.pack_into("<" + fmt, raw, offset, *values)
    with opener(path, "wb") as stream:
        stream.write(bytes(raw))


def _sitk_values(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(path))


def _expected_world(index):
    point = _affine() @ np.array(list(index) + [1.0])
    return point[:3] * [-1, -1, 1]  # RAS -> LPS


def _check(image, expected_xyz):
    np.testing.assert_array_equal(vtk_values(image), expected_xyz.T)  # NaN equal to NaN
    for index in corners(expected_xyz.shape[:3]):
        np.testing.assert_allclose(vtk_world(image, index), _expected_world(index), atol=1e-4)


# -- direct reads ----------------------------------------------------------------------
@pytest.mark.parametrize("ext", [".nii", ".nii.gz"])
@pytest.mark.parametrize("dtype", ["<i2", ">i2", "<f4", ">f8", ">u2", "<i8", "u1"])
def test_direct_read_equals_simpleitk(tmp_path, ext, dtype):
    native = np.dtype(dtype).newbyteorder("=")
    data = index_values((5, 6, 7), 1, native).T
    endian = ">" if dtype.startswith(">") else "<"
    image = nib.Nifti1Image(data, _permuted_affine(), header=nib.Nifti1Header(endianness=endian))
    image.header.set_data_dtype(native)
    path = str(tmp_path / f"image{ext}")
    nib.save(image, path)

    layout = nifti.direct_layout(read_header(path))
    assert layout is not None  # the direct path is taken
    assert layout.dtype.isnative == np.dtype(dtype).isnative
    got = vtk_values(sitkvtk.read(path))
    expected = _sitk_values(path)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_rgb24_direct_read(tmp_path):
    rgb = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
    values = index_values((4, 5, 6), 3, np.uint8)  # (z, y, x, c)
    data = np.ascontiguousarray(values).view(rgb)[..., 0].T  # nibabel's (x, y, z)
    path = str(tmp_path / "rgb.nii.gz")
    nib.save(nib.Nifti1Image(data, _permuted_affine()), path)
    assert nifti.direct_layout(read_header(path)) is not None
    got = vtk_values(sitkvtk.read(path))
    np.testing.assert_array_equal(got, _sitk_values(path))
    np.testing.assert_array_equal(got, values)


def test_scaled_file_goes_through_simpleitk(tmp_path):
    data = np.arange(5 * 6 * 7, dtype=np.int16).reshape(5, 6, 7)
    image = nib.Nifti1Image(data, _permuted_affine())
    image.header.set_slope_inter(0.5, 10.0)
    path = str(tmp_path / "scaled.nii")
    nib.save(image, path)
    assert nifti.direct_layout(read_header(path)) is None
    got = vtk_values(sitkvtk.read(path))
    assert got.dtype == np.float32  # as SimpleITK: scaled integers become float
    np.testing.assert_allclose(got, _sitk_values(path))
    np.testing.assert_allclose(got, data.T * 0.5 + 10.0)


def test_vector_file_goes_through_simpleitk(tmp_path):
    # NIfTI stores vector components as planes; only SimpleITK interleaves them.
    path = str(tmp_path / "vector.nii")
    sitk.WriteImage(oblique_image(np.float32, 3, ncomp=3), path)
    assert nifti.direct_layout(read_header(path)) is None
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), _sitk_values(path))


@pytest.mark.parametrize("ext", [".nii", ".nii.gz"])
def test_direct_read_of_each_time_step(tmp_path, ext):
    data = index_values((2, 3, 4, 5), 1, np.float32)  # (t, z, y, x)
    image = sitk.GetImageFromArray(data, isVector=False)
    path = str(tmp_path / f"fmri{ext}")
    sitk.WriteImage(image, path)
    assert nifti.direct_layout(read_header(path)) is not None
    for step in (1, 0):
        np.testing.assert_array_equal(vtk_values(sitkvtk.read(path, time_step=step)), data[step])


# -- NaN and infinities -----------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".hdr", ".img.gz"])
def test_nifti_nan_and_inf_survive(tmp_path, ext, dtype):
    """niftilib makes every NaN and infinity 0; sitkvtk returns the file's values,
    whole and through the streamed (SimpleITK) path."""
    name = "image" + (".hdr.gz" if ext == ".img.gz" else ext)
    path = str(tmp_path / name)
    data = _special_values(dtype)
    if ext in (".hdr", ".img.gz"):
        image = nib.Nifti1Pair(data, _affine())
        image.header.set_data_dtype(data.dtype)
        nib.save(image, path)
    else:
        _write_nifti(path, data)
    _check(sitkvtk.read(path), data)
    part = sitkvtk.read(path, extent=(0, 2, 0, 3, 0, 1))
    np.testing.assert_array_equal(vtk_values(part), data[0:3, 0:4, 0:2].T)


def test_scaled_float_nifti_keeps_nan_and_inf_and_scales_the_rest(tmp_path):
    path = str(tmp_path / "scaled.nii.gz")
    data = _special_values(np.float32)
    _write_nifti(path, data, slope=2.0, inter=-1.0)
    _check(sitkvtk.read(path), data * np.float32(2.0) - np.float32(1.0))


def test_nan_in_later_time_steps_and_vector_nifti(tmp_path):
    path = str(tmp_path / "time.nii.gz")
    data = np.stack([_special_values(np.float32) + t for t in range(3)], axis=-1)
    _write_nifti(path, data)
    for step in range(3):
        np.testing.assert_array_equal(
            vtk_values(sitkvtk.read(path, time_step=step, extent=(0, 4, 0, 3, 0, 2))),
            data[..., step].T,
        )


# -- pixel types ----------------------------------------------------------------------
@pytest.mark.parametrize(("slope", "inter"), [(1.0, 0.0), (0.0, 0.0), (float("nan"), float("nan"))])
@pytest.mark.parametrize(
    "dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64]
)
def test_unscaled_integer_nifti_keeps_its_type(tmp_path, dtype, slope, inter):
    """scl_slope 0 or NaN means no scaling (NIfTI-1): no widening either."""
    path = str(tmp_path / "int.nii")
    data = index_values(SIZE[::-1], 1, dtype).T.copy()
    _write_nifti(path, data, slope, inter)
    image = sitkvtk.read(path)
    assert vtk_to_numpy(image.GetPointData().GetScalars()).dtype == np.dtype(dtype)
    _check(image, data)
    assert "NIFTI_scaling" not in read_header(path).metadata


def test_scaled_integer_nifti_becomes_float_and_says_so(tmp_path):
    """SimpleITK applies scl_slope / scl_inter and returns float32 (documented SimpleITK
    behaviour); the header metadata says what the file stores."""
    path = str(tmp_path / "scaled.nii")
    data = index_values(SIZE[::-1], 1, np.int16).T.copy()
    _write_nifti(path, data, 0.5, 10.0)
    image = sitkvtk.read(path)
    assert vtk_to_numpy(image.GetPointData().GetScalars()).dtype == np.float32
    _check(image, data * np.float32(0.5) + np.float32(10.0))
    note = read_header(path).metadata["NIFTI_scaling"]
    assert "0.5 * stored + 10" in note
    assert "int16" in note
    assert "32-bit float" in note


# -- header fields SimpleITK does not apply -----------------------------------------------
def test_nifti_intent_units_and_qform_sform_disagreement_reported(tmp_path):
    path = str(tmp_path / "fields.nii")
    image = nib.Nifti1Image(index_values(SIZE[::-1], 1, np.float32).T.copy(), _affine())
    image.header.set_intent("t test", (12,), name="tstat")
    image.header.set_xyzt_units("micron", "msec")
    shifted = _affine()
    shifted[:3, 3] += [5.0, 0.0, 0.0]
    image.set_qform(_affine(), code=1)
    image.set_sform(shifted, code=2)
    nib.save(image, path)
    metadata = read_header(path).metadata
    assert (
        metadata["NIFTI_intent"]
        == "t test (code 3), parameters 12 0 0, name 'tstat': not applied by SimpleITK"
    )
    assert metadata["NIFTI_units"] == (
        "space micron (converted to mm by SimpleITK), time ms (converted to s by SimpleITK)"
    )
    note = metadata["NIFTI_qform_sform"]
    assert note.startswith("disagree by up to 5 mm")
    assert "qform (scanner) and sform (aligned)" in note
    # Which one SimpleITK used is said, and true: compare with where the image went.
    used = "qform" if note.endswith("by the qform") else "sform"
    affine = _affine() if used == "qform" else shifted
    spacing = read_header(path).spacing
    assert spacing[0] == pytest.approx(0.7e-3, rel=1e-5)  # micron -> mm
    origin = np.multiply(affine[:3, 3], [-1, -1, 1]) * 1e-3
    np.testing.assert_allclose(sitkvtk.read(path).GetOrigin(), origin, atol=1e-6)
    assert not any(v.startswith("[UNKNOWN_PRINT") for v in metadata.values())


def test_zero_nifti_pixdim_reads_as_one_and_is_reported(tmp_path):
    """niftilib reads pixdim 0 as 1 (common in sloppy files): read, and said so."""
    path = str(tmp_path / "pixdim-zero.nii")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(6, 5, 4)), path)
    _set(path, 80, "f", 0.0)
    _set(path, 252, "2h", 0, 0)  # no qform/sform: pixdim alone gives the spacing
    assert sitkvtk.read(path).GetSpacing()[0] == 1.0
    header = sitkvtk.SimpleITKReader()
    header.SetFileName(path)
    assert "pixdim[1]" in header.GetHeader().metadata["NIFTI_pixdim"]


# -- the file asked for, not its twin ------------------------------------------------------
@pytest.mark.parametrize(
    ("asked", "twin"), [(".nii.gz", ".nii"), (".hdr.gz", ".hdr"), (".nii", ".nii.gz")]
)
def test_reads_the_file_asked_for_not_its_twin(tmp_path, asked, twin):
    """niftilib, asked for x.nii.gz, opens x.nii when that exists (and x.hdr for x.hdr.gz)."""
    wanted = index_values((3, 4, 5), 1, np.float32).T.copy()  # (x, y, z) = (5, 4, 3)
    other = np.full((2, 2, 2), 7.0, np.float32)
    for ext, data in ((twin, other), (asked, wanted)):
        path = str(tmp_path / f"x{ext}")
        kind = nib.Nifti1Pair if ext.startswith(".hdr") else nib.Nifti1Image
        nib.save(kind(data, _affine()), path)
    path = str(tmp_path / f"x{asked}")
    _check(sitkvtk.read(path), wanted)
    np.testing.assert_array_equal(
        vtk_values(sitkvtk.read(path, extent=(1, 2, 0, 3, 2, 2))), wanted[1:3, :, 2:3].T
    )
    assert read_header(path).size == (5, 4, 3)
    assert sorted(os.listdir(tmp_path)) == sorted(
        {
            f"x{asked}",
            f"x{twin}",
            f"x{asked.replace('hdr', 'img')}",
            f"x{twin.replace('hdr', 'img')}",
        }
    )


def test_refusals_say_what_the_header_holds(tmp_path):
    """Where SimpleITK refuses a file, the message names the field (not 'unknown format')."""
    data = np.arange(24, dtype=np.int16).reshape(4, 3, 2)
    nib.save(nib.Nifti2Image(data, np.eye(4)), str(tmp_path / "two.nii.gz"))
    plain = str(tmp_path / "one.nii")
    nib.save(nib.Nifti1Image(data, np.eye(4)), plain)
    cases = {"two.nii.gz": "a NIfTI-2 file"}
    for name, offset, value, words in [
        ("datatype.nii", 70, 77, "datatype 77 is not a NIfTI-1 datatype"),
        ("dims.nii", 40, 0, "dim[0] = 0: a NIfTI image has 1 to 7 dimensions"),
        ("empty.nii", 42, 0, "dim[1] = 0: every axis needs at least one voxel"),
    ]:
        changed = bytearray(open(plain, "rb").read())
        struct.pack_into("<h", changed, offset, value)
        (tmp_path / name).write_bytes(bytes(changed))
        cases[name] = words
    for name, words in cases.items():
        path = str(tmp_path / name)
        with pytest.raises(sitkvtk.ReadError) as caught:
            sitkvtk.read(path)
        assert str(caught.value).startswith(f"{path}: {words}")

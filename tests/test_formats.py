"""Every format x pixel type x 2-D/3-D x components: geometry and values.

Each case writes an oblique, off-origin, anisotropic image whose voxels encode their
index, reads it with sitkvtk, and checks every corner's world position and every voxel
against SimpleITK reading the same file, and against the image that was written.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats.minc import minc_needs_flip
from synthetic import corners, oblique_image, sitk_world, vtk_values, vtk_world

INTS = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
FLOATS = ["float32", "float64"]
ALL = INTS + FLOATS

# What each format can hold, as SimpleITK writes it: pixel types, dimensions,
# components, and whether it stores an oblique direction and an origin.
FORMATS = {
    ".nii": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".nii.gz": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".hdr": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".mha": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".mhd": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".nrrd": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    ".nhdr": dict(types=ALL, dims=(2, 3), comps=(1, 3, 4), oblique=True),
    # SimpleITK 2.5 also writes MINC with LPS taken for RAS, so what was written is not
    # what the file says: checked against SimpleITK (corrected) here, nibabel elsewhere.
    ".mnc": dict(types=INTS[:6] + FLOATS, dims=(2, 3), comps=(1, 3, 4), oblique=False),
    ".gipl": dict(types=["int8", "uint8", "int16", "uint16"] + FLOATS, dims=(3,), comps=(1,), oblique=False),
    ".tif": dict(types=INTS[:6] + ["float32"], dims=(2, 3), comps=(1, 3, 4), oblique=False),
    ".png": dict(types=["uint8", "uint16"], dims=(2,), comps=(1, 3, 4), oblique=False),
    ".mrc": dict(types=["uint8", "int16", "uint16", "float32"], dims=(3,), comps=(1,), oblique=False),
    ".vtk": dict(types=ALL, dims=(2, 3), comps=(1, 3), oblique=False),
    ".bmp": dict(types=["uint8"], dims=(2,), comps=(3,), oblique=False),
    ".jpg": dict(types=["uint8"], dims=(2,), comps=(1, 3), oblique=False),
}

# SimpleITK < 2.4 (ITK 5.3) writes TIFF in 8 and 16 bits and float32 only: the 32-bit integer
# files cannot be made there (sitkvtk.write refuses them with its reason).
OLD_TIFF = (sitk.Version.MajorVersion(), sitk.Version.MinorVersion()) < (2, 4)
NO_TIFF_32 = pytest.mark.skipif(OLD_TIFF, reason="SimpleITK < 2.4 cannot write a 32-bit integer TIFF")

CASES = [
    pytest.param(ext, dtype, dim, ncomp, id=f"{ext[1:]}-{dtype}-{dim}d-{ncomp}c",
                 marks=[NO_TIFF_32] if ext == ".tif" and dtype in ("int32", "uint32") else [])
    for ext, spec in FORMATS.items()
    for dtype in spec["types"]
    for dim in spec["dims"]
    for ncomp in spec["comps"]
]


# NaN and infinities at these (x, y, z): SimpleITK keeps them in these formats (NIfTI: test_formats_nifti.py).
_SPECIAL = {(0, 0, 0): np.nan, (1, 0, 0): np.inf, (4, 3, 2): -np.inf, (2, 1, 1): np.nan}


def _expected_world(reference: sitk.Image, index, ext: str) -> np.ndarray:
    point = sitk_world(reference, index)
    if ext == ".mnc" and minc_needs_flip():
        # SimpleITK reads MINC's RAS coordinates as LPS; sitkvtk corrects it.
        point[:2] *= -1
    return point


@pytest.mark.parametrize(("ext", "dtype", "dim", "ncomp"), CASES)
def test_geometry_and_values(tmp_path, ext, dtype, dim, ncomp):
    written = oblique_image(dtype, dim, ncomp)
    path = str(tmp_path / f"image{ext}")
    sitk.WriteImage(written, path)
    reference = sitk.ReadImage(path)

    vtk_image = sitkvtk.read(path)

    ref_size = reference.GetSize()
    ref_size3 = tuple(ref_size) + (1,) * (3 - len(ref_size))
    assert vtk_image.GetDimensions() == ref_size3
    for index in corners(ref_size):
        index3 = tuple(index) + (0,) * (3 - len(index))
        np.testing.assert_allclose(
            vtk_world(vtk_image, index3), _expected_world(reference, index, ext), atol=1e-6
        )
        if FORMATS[ext]["oblique"]:
            # and the file kept what was written (float32 headers: NIfTI, Analyze)
            np.testing.assert_allclose(vtk_world(vtk_image, index3), sitk_world(written, index), atol=1e-4)

    expected = sitk.GetArrayFromImage(reference)
    if np.iscomplexobj(expected):
        expected = np.stack([expected.real, expected.imag], axis=-1)
    got = vtk_values(vtk_image).reshape(expected.shape)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    if ext not in (".jpg",):  # lossy
        np.testing.assert_array_equal(
            got.reshape(-1), sitk.GetArrayFromImage(written).astype(got.dtype).reshape(-1)
        )


@pytest.mark.parametrize("ext", [".nii", ".nrrd", ".mha"])
def test_complex_becomes_two_named_components(tmp_path, ext):
    written = oblique_image(np.complex64, 3)
    path = str(tmp_path / f"complex{ext}")
    sitk.WriteImage(written, path)
    vtk_image = sitkvtk.read(path)
    scalars = vtk_image.GetPointData().GetScalars()
    assert scalars.GetNumberOfComponents() == 2
    values = vtk_values(vtk_image)
    original = sitk.GetArrayFromImage(written)
    np.testing.assert_array_equal(values[..., 0], original.real)
    np.testing.assert_array_equal(values[..., 1], original.imag)
    if sitk.ReadImage(path).GetPixelID() == sitk.sitkComplexFloat32:
        assert (scalars.GetComponentName(0), scalars.GetComponentName(1)) == ("real", "imag")


@pytest.mark.parametrize("ext", [".mha", ".nrrd", ".nhdr", ".mhd"])
def test_nan_and_inf_survive_other_formats(tmp_path, ext):
    written = oblique_image(np.float32, 3, size=(5, 4, 3))
    values = sitk.GetArrayFromImage(written)
    for (x, y, z), value in _SPECIAL.items():
        values[z, y, x] = value
    image = sitk.GetImageFromArray(values)
    image.CopyInformation(written)
    path = str(tmp_path / f"image{ext}")
    sitk.WriteImage(image, path)
    result = sitkvtk.read(path)
    np.testing.assert_array_equal(vtk_values(result), values)
    for index in corners((5, 4, 3)):
        np.testing.assert_allclose(vtk_world(result, index), sitk_world(written, index), atol=1e-5)

"""Direct reads (NIfTI, MetaImage, NRRD): used where the voxels need no conversion, identical to SimpleITK."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk import direct, nifti
from sitkvtk.header import read_header
from synthetic import index_values, oblique_image, vtk_values


def _affine():
    affine = np.eye(4)
    affine[:3, :3] = np.diag([0.8, 1.1, 2.5]) @ np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1.0]])
    affine[:3, 3] = [12.0, -40.0, 7.5]
    return affine


def _sitk_values(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(path))


@pytest.mark.parametrize("ext", [".nii", ".nii.gz"])
@pytest.mark.parametrize("dtype", ["<i2", ">i2", "<f4", ">f8", ">u2", "<i8", "u1"])
def test_direct_read_equals_simpleitk(tmp_path, ext, dtype):
    native = np.dtype(dtype).newbyteorder("=")
    data = index_values((5, 6, 7), 1, native).T
    endian = ">" if dtype.startswith(">") else "<"
    image = nib.Nifti1Image(data, _affine(), header=nib.Nifti1Header(endianness=endian))
    image.header.set_data_dtype(native)
    path = str(tmp_path / f"image{ext}")
    nib.save(image, path)

    layout = nifti.plain_layout(read_header(path))
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
    nib.save(nib.Nifti1Image(data, _affine()), path)
    assert nifti.plain_layout(read_header(path)) is not None
    got = vtk_values(sitkvtk.read(path))
    np.testing.assert_array_equal(got, _sitk_values(path))
    np.testing.assert_array_equal(got, values)


def test_scaled_file_goes_through_simpleitk(tmp_path):
    data = np.arange(5 * 6 * 7, dtype=np.int16).reshape(5, 6, 7)
    image = nib.Nifti1Image(data, _affine())
    image.header.set_slope_inter(0.5, 10.0)
    path = str(tmp_path / "scaled.nii")
    nib.save(image, path)
    assert nifti.plain_layout(read_header(path)) is None
    got = vtk_values(sitkvtk.read(path))
    assert got.dtype == np.float32  # as SimpleITK: scaled integers become float
    np.testing.assert_allclose(got, _sitk_values(path))
    np.testing.assert_allclose(got, data.T * 0.5 + 10.0)


def test_vector_file_goes_through_simpleitk(tmp_path):
    # NIfTI stores vector components as planes; only SimpleITK interleaves them.
    path = str(tmp_path / "vector.nii")
    sitk.WriteImage(oblique_image(np.float32, 3, ncomp=3), path)
    assert nifti.plain_layout(read_header(path)) is None
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), _sitk_values(path))


@pytest.mark.parametrize("ext", [".nii", ".nii.gz"])
def test_direct_read_of_each_time_step(tmp_path, ext):
    data = index_values((2, 3, 4, 5), 1, np.float32)  # (t, z, y, x)
    image = sitk.GetImageFromArray(data, isVector=False)
    path = str(tmp_path / f"fmri{ext}")
    sitk.WriteImage(image, path)
    assert nifti.plain_layout(read_header(path)) is not None
    for step in (1, 0):
        np.testing.assert_array_equal(vtk_values(sitkvtk.read(path, time_step=step)), data[step])


def test_direct_read_reports_a_short_file(tmp_path):
    path = str(tmp_path / "short.nii")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(20, 20, 20)), path)
    header = read_header(path)
    layout = nifti.plain_layout(header)
    with open(path, "r+b") as stream:
        stream.truncate(layout.offset + 100)
    with pytest.raises(sitkvtk.ReadError, match="truncated"):
        direct.read_volume(header, layout, 0)


@pytest.mark.parametrize("dtype", ["<i2", ">f4"])
def test_direct_box_read_equals_the_box_of_a_whole_read(tmp_path, dtype):
    native = np.dtype(dtype).newbyteorder("=")
    data = index_values((3, 7, 8, 9), 1, native)  # (t, z, y, x)
    endian = ">" if dtype.startswith(">") else "<"
    image = nib.Nifti1Image(np.ascontiguousarray(data.transpose(3, 2, 1, 0)), _affine(),
                            header=nib.Nifti1Header(endianness=endian))
    image.header.set_data_dtype(native)
    path = str(tmp_path / "series.nii")
    nib.save(image, path)
    for step in (0, 2):
        box = sitkvtk.read(path, extent=(2, 5, 1, 6, 3, 3), time_step=step)
        got = vtk_values(box)
        assert got.dtype == native
        np.testing.assert_array_equal(got, data[step, 3:4, 1:7, 2:6])
        whole = sitk.GetArrayFromImage(sitk.ReadImage(path))[step]
        np.testing.assert_array_equal(got, whole[3:4, 1:7, 2:6])


@pytest.mark.parametrize("use_libz", [True, False], ids=["libz", "python-gzip"])
def test_inflate_reads_whole_streams_and_reports_damaged_ones(tmp_path, monkeypatch, use_libz):
    import gzip
    import zlib

    from sitkvtk import inflate

    if not use_libz:
        monkeypatch.setattr(inflate, "_LIBZ", False)
    elif not inflate._load_libz():
        pytest.fail("no system libz found: the fast path is not exercised")
    payload = np.arange(300_000, dtype=np.int32).tobytes()
    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(payload))
    target = bytearray(len(payload) - 1000)
    assert inflate.inflate_into(str(path), 1000, memoryview(target)) == len(target)
    assert bytes(target) == payload[1000:]

    longer = bytearray(len(payload) + 10)  # the stream ends first
    assert inflate.inflate_into(str(path), 0, memoryview(longer)) == len(payload)

    damaged = bytearray(gzip.compress(payload))
    damaged[-8] ^= 0xFF  # the CRC
    path.write_bytes(bytes(damaged))
    with pytest.raises((OSError, zlib.error)):
        inflate.inflate_into(str(path), 0, memoryview(bytearray(len(payload))))


@pytest.mark.parametrize("ext", [".mha", ".mhd", ".nrrd", ".nhdr"])
@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float64, np.int64])
def test_metaimage_and_nrrd_direct_reads_equal_simpleitk(tmp_path, ext, dtype):
    path = str(tmp_path / f"image{ext}")
    image = oblique_image(dtype, 3, size=(9, 8, 7))
    sitk.WriteImage(image, path)
    layout = direct.direct_layout(read_header(path))
    assert layout is not None and not layout.compressed  # the direct path is taken
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), sitk.GetArrayViewFromImage(image))
    box = sitkvtk.read(path, extent=(2, 6, 1, 5, 3, 4))
    np.testing.assert_array_equal(vtk_values(box), sitk.GetArrayViewFromImage(image)[3:5, 1:6, 2:7])


def test_big_endian_nrrd_direct_read(tmp_path):
    values = index_values((4, 5, 6), 1, np.int32)
    path = tmp_path / "big.nrrd"
    header = ("NRRD0004\ntype: int32\ndimension: 3\nspace: left-posterior-superior\n"
              "sizes: 6 5 4\nspace directions: (0.5,0,0) (0,0.7,0) (0,0,1.5)\n"
              "kinds: domain domain domain\nendian: big\nencoding: raw\n"
              "space origin: (1,2,3)\n\n")
    path.write_bytes(header.encode() + values.astype(">i4").tobytes())
    assert direct.direct_layout(read_header(str(path))) is not None
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(str(path))), values)
    simpleitk = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(str(path))), simpleitk)


@pytest.mark.parametrize("ext", [".mha", ".nrrd"])
def test_vector_and_compressed_files_go_through_simpleitk(tmp_path, ext):
    vector = str(tmp_path / f"vector{ext}")
    sitk.WriteImage(oblique_image(np.float32, 3, ncomp=3), vector)
    packed = str(tmp_path / f"packed{ext}")
    sitk.WriteImage(oblique_image(np.int16, 3), packed, useCompression=True)
    if ext == ".nrrd":
        assert direct.direct_layout(read_header(vector)) is None
    assert direct.direct_layout(read_header(packed)) is None
    for path in (vector, packed):
        np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), sitk.GetArrayFromImage(sitk.ReadImage(path)))

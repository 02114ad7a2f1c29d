"""Random access into gzip files (formats/gzindex.py): inflate checkpoints give the same bytes
as a whole read anywhere in the stream, stay bounded, and are dropped when the file changes;
through the reader, slices of an oblique .nii.gz equal SimpleITK's and the written voxels."""

from __future__ import annotations

import functools
import gzip
import os

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats.gzindex import GzipIndex
from sitkvtk.sources import file as file_source
from synthetic import corners, oblique_image, sitk_world, vtk_values, vtk_world


def _read(index: GzipIndex, start: int, count: int) -> bytes:
    target = bytearray(count)
    filled = index.read_into(start, memoryview(target))
    return bytes(target[:filled])


def test_any_range_equals_the_stream_and_memory_stays_bounded(tmp_path):
    payload = np.random.default_rng(1).integers(0, 50, 400_000, dtype=np.int16).tobytes()
    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(payload[:300_001]) + gzip.compress(payload[300_001:]))
    index = GzipIndex(str(path), spacing=4096, max_points=12)
    assert _read(index, 500_000, 1000) == payload[500_000:501_000]  # the first pass
    assert 1 < len(index) <= 12
    assert index._outs[-1] > len(payload) - 2 * index.spacing  # the first pass went on to the end
    for start, count in [(0, 100), (3, 9000), (299_990, 30), (123_457, 70_001), (799_000, 5000)]:
        assert _read(index, start, count) == payload[start : start + count]
    assert _read(index, 799_990, 100) == payload[799_990:]  # the stream ends first
    assert len(index) <= 12 and index.spacing > 4096  # halved, not grown


def test_checkpoints_are_dropped_when_the_file_changes(tmp_path):
    path = tmp_path / "data.gz"
    first = np.arange(200_000, dtype=np.int32).tobytes()
    path.write_bytes(gzip.compress(first))
    index = GzipIndex(str(path), spacing=8192)
    assert _read(index, 700_000, 64) == first[700_000:700_064]
    stamp = os.stat(path)
    second = (np.arange(210_000, dtype=np.int32) * 7 + 3).tobytes()
    path.write_bytes(gzip.compress(second))
    changed = os.stat(path)
    assert (changed.st_size, changed.st_mtime_ns) != (stamp.st_size, stamp.st_mtime_ns)
    assert _read(index, 700_000, 64) == second[700_000:700_064]
    assert _read(index, 830_000, 10_000) == second[830_000:]


def test_damaged_stream_is_an_error(tmp_path):
    data = bytearray(gzip.compress(np.arange(100_000, dtype=np.int32).tobytes()))
    data[10] = 0b111  # the first deflate block: final, of the reserved type 3
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(OSError, match="damaged"):
        _read(GzipIndex(str(path)), 0, 400_000)


def _check_slices(reader, path, expected, reference_image):
    nx, ny, nz = reference_image.GetSize()
    for z in (nz // 2, 0, nz - 1, nz // 3):  # middle first: later slices come from checkpoints
        reader.UpdateExtent((0, nx - 1, 0, ny - 1, z, z))
        got = reader.GetOutputDataObject(0)
        np.testing.assert_array_equal(vtk_values(got)[0], expected[z])
        for index in corners((nx, ny)):
            np.testing.assert_allclose(vtk_world(got, index + (z,)),
                                       sitk_world(reference_image, index + (z,)), atol=1e-4)
    reader.UpdateExtent((3, 20, 2, 9, nz - 5, nz - 1))  # a box: x and y cut from the slab
    np.testing.assert_array_equal(vtk_values(reader.GetOutputDataObject(0)), expected[nz - 5 :, 2:10, 3:21])


def test_slices_of_a_nifti_gz_equal_the_whole_read_and_after_a_rewrite(tmp_path, monkeypatch):
    # Small checkpoint spacing: a small file gets many checkpoints (and their halving).
    monkeypatch.setattr(file_source, "GzipIndex", functools.partial(GzipIndex, spacing=4096, max_points=8))
    image = oblique_image(np.int32, size=(41, 33, 27))
    path = str(tmp_path / "oblique.nii.gz")
    sitk.WriteImage(image, path, useCompression=True)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    reference = sitk.ReadImage(path)
    whole = vtk_values(sitkvtk.read(path))
    np.testing.assert_array_equal(whole, sitk.GetArrayViewFromImage(reference))
    np.testing.assert_array_equal(whole, sitk.GetArrayViewFromImage(image))
    _check_slices(reader, path, whole, reference)
    index = reader._get_source()._index
    assert 1 < len(index) <= 8

    stamp = os.stat(path)
    array = sitk.GetArrayFromImage(image) * 5 + 3  # the same grid, other voxels
    rewritten = sitk.GetImageFromArray(array)
    rewritten.CopyInformation(image)
    sitk.WriteImage(rewritten, path, useCompression=True)
    changed = os.stat(path)
    assert (changed.st_size, changed.st_mtime_ns) != (stamp.st_size, stamp.st_mtime_ns)
    _check_slices(reader, path, array, sitk.ReadImage(path))
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), array)

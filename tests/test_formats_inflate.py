"""Inflating a gzip file straight into a buffer (formats/inflate.py), with the fast inflater
(ISA-L) and without it (zlib): whole streams, offsets, several members, damaged or cut
streams reported, and whole .nii.gz reads equal to SimpleITK's either way."""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import inflate
from synthetic import corners, oblique_image, sitk_world, vtk_values, vtk_world


@pytest.fixture(params=["isal", "zlib"])
def inflater(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setattr(inflate, "_FAST", None)
        assert inflate.inflater() is zlib
    else:
        # isal is a dependency (pyproject): without it this path is not exercised.
        assert inflate._FAST is not None, "isal is not installed"
        assert inflate.inflater().__name__ == "isal.isal_zlib"
    return request.param


def _payload():
    return np.arange(300_000, dtype=np.int32).tobytes()


def test_whole_streams_and_offsets(tmp_path, inflater):
    payload = _payload()
    path = tmp_path / "data.gz"
    path.write_bytes(gzip.compress(payload))
    target = bytearray(len(payload) - 1000)
    assert inflate.inflate_into(str(path), 1000, memoryview(target)) == len(target)
    assert bytes(target) == payload[1000:]

    longer = bytearray(len(payload) + 10)  # the stream ends first
    assert inflate.inflate_into(str(path), 0, memoryview(longer)) == len(payload)
    assert bytes(longer[: len(payload)]) == payload

    head = bytearray(4000)  # the target ends first: the rest is not inflated
    assert inflate.inflate_into(str(path), 8, memoryview(head)) == 4000
    assert bytes(head) == payload[8:4008]


def test_members_are_one_stream(tmp_path, inflater):
    payload = _payload()
    path = tmp_path / "members.gz"
    path.write_bytes(gzip.compress(payload[:500_001]) + gzip.compress(payload[500_001:]))
    target = bytearray(len(payload) - 7)
    assert inflate.inflate_into(str(path), 7, memoryview(target)) == len(target)
    assert bytes(target) == payload[7:]


def test_damaged_and_cut_streams_are_errors(tmp_path, inflater):
    payload = _payload()
    damaged = bytearray(gzip.compress(payload))
    damaged[-8] ^= 0xFF  # the CRC
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(damaged))
    with pytest.raises(OSError, match="damaged"):
        inflate.inflate_into(str(path), 0, memoryview(bytearray(len(payload))))

    path.write_bytes(gzip.compress(payload)[:-6])  # the trailer cut short
    try:  # an error, or fewer bytes than asked for (ISA-L holds back output it cannot check)
        filled = inflate.inflate_into(str(path), 0, memoryview(bytearray(len(payload))))
    except OSError:
        pass
    else:
        assert filled < len(payload)


def test_whole_nifti_gz_read_equals_simpleitk(tmp_path, inflater):
    image = oblique_image(np.int32, size=(37, 29, 23))
    path = str(tmp_path / "oblique.nii.gz")
    sitk.WriteImage(image, path, useCompression=True)
    vtk_image = sitkvtk.read(path)
    reference = sitk.ReadImage(path)
    np.testing.assert_array_equal(vtk_values(vtk_image), sitk.GetArrayViewFromImage(reference))
    np.testing.assert_array_equal(vtk_values(vtk_image), sitk.GetArrayViewFromImage(image))
    for index in corners(image.GetSize()):
        np.testing.assert_allclose(vtk_world(vtk_image, index), sitk_world(image, index), atol=1e-4)

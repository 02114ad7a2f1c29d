"""TIFF (formats/tiff.py): samples SimpleITK cannot read are refused with the reason, and
16-bit float samples (which SimpleITK returns as their bits) come out as the floats they are.

Files are written here byte by byte (one strip, baseline tags), so the values they hold are
known without any TIFF reader.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import tiff
from sitkvtk.reader import SimpleITKReader
from sitkvtk.sources.file import read_header
from synthetic import vtk_values

WIDTH, HEIGHT = 5, 3


def _write_tiff(path, values: np.ndarray, sample_format: int) -> str:
    """A little-endian TIFF of ``values`` (height, width[, samples]) in one strip."""
    samples = values.shape[2] if values.ndim == 3 else 1
    bits = values.dtype.itemsize * 8
    data = values.astype(values.dtype.newbyteorder("<")).tobytes()
    height, width = values.shape[:2]
    bits_at = 8 + len(data)  # BitsPerSample / SampleFormat lists when samples > 1
    formats_at = bits_at + 2 * samples
    extra = struct.pack(f"<{samples}H", *[bits] * samples) + struct.pack(f"<{samples}H", *[sample_format] * samples)
    entries = [
        (256, 3, 1, width), (257, 3, 1, height), (258, 3, samples, bits if samples == 1 else bits_at),
        (259, 3, 1, 1), (262, 3, 1, 2 if samples == 3 else 1), (273, 4, 1, 8), (277, 3, 1, samples),
        (278, 3, 1, height), (279, 4, 1, len(data)), (284, 3, 1, 1),
        (339, 3, samples, sample_format if samples == 1 else formats_at),
    ]
    directory = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value)
        directory += struct.pack("<HHI", tag, kind, count) + packed
    ifd_at = 8 + len(data) + len(extra)
    with open(path, "wb") as stream:
        stream.write(b"II" + struct.pack("<HI", 42, ifd_at) + data + extra + directory + bytes(4))
    return str(path)


def _index_values(dtype, samples=1):
    shape = (HEIGHT, WIDTH) + ((samples,) if samples > 1 else ())
    return (np.arange(np.prod(shape)).reshape(shape) * 0.5 - 3.25).astype(dtype)


@pytest.mark.parametrize(
    ("dtype", "sample_format", "words"),
    [
        (np.float64, 3, "64-bit float samples"),
        (np.int64, 2, "64-bit signed integer samples"),
        (np.uint64, 1, "64-bit unsigned integer samples"),
        (np.complex64, 6, "64-bit complex float samples"),
    ],
)
def test_samples_simpleitk_cannot_read_are_refused_with_the_reason(tmp_path, dtype, sample_format, words):
    path = _write_tiff(tmp_path / "image.tif", _index_values(dtype), sample_format)
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(path)
    message = str(caught.value)
    assert message.startswith(path)
    assert words in message and "8-, 16- and 32-bit samples only" in message
    assert "unknown format" not in message


def test_not_a_tiff_says_so(tmp_path):
    path = tmp_path / "image.tif"
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(sitkvtk.ReadError, match="not a TIFF file"):
        sitkvtk.read(str(path))


@pytest.mark.parametrize("samples", [1, 3])
def test_half_floats_are_floats(tmp_path, samples):
    values = _index_values(np.float16, samples)
    path = _write_tiff(tmp_path / "half.tif", values, 3)
    image = sitkvtk.read(path)
    got = vtk_values(image)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.reshape(values.shape), values.astype(np.float32))
    assert "16-bit floats" in read_header(path).metadata["TIFF_samples"]
    reader = SimpleITKReader()
    reader.SetFileName(path)
    box = vtk_values(reader.ReadImage((1, 3, 1, 2, 0, 0)))
    np.testing.assert_array_equal(box.reshape((2, 3) + values.shape[2:]), values[1:3, 1:4].astype(np.float32))


def test_half_float_probe_tells_what_simpleitk_does(tmp_path):
    values = _index_values(np.float16)
    path = _write_tiff(tmp_path / "half.tif", values, 3)
    image = sitk.ReadImage(path)
    as_bits = image.GetPixelID() == sitk.sitkUInt16 and np.array_equal(
        sitk.GetArrayViewFromImage(image), values.view(np.uint16)
    )
    assert tiff.simpleitk_reads_half_floats_as_integers() == as_bits


def test_half_float_workaround_switches_off(tmp_path, monkeypatch):
    """A SimpleITK that read half floats right gets its own result back untouched."""
    path = _write_tiff(tmp_path / "half.tif", _index_values(np.float16), 3)
    monkeypatch.setattr(tiff, "simpleitk_reads_half_floats_as_integers", lambda: False)
    plain = sitk.GetArrayFromImage(sitk.ReadImage(path))
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)).ravel(), plain.ravel())

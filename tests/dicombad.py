"""One bad DICOM file per class that GDCM pads, misreads, hangs or crashes on.

``CLASSES[name](folder)`` writes the file alone in ``folder`` (a DICOM file read whole
reads its folder's series) and returns its path and words the refusal must contain.
Each builder states with pydicom what the file really holds. Used by
tests/test_dicom_checks.py (read in a child process) and the pvbatch test.
"""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np
import pydicom
from pydicom.uid import JPEG2000Lossless

import dicomgen
from dicomcase import make_series
from synthetic import index_values

SLICE = (1, 32, 40)  # z, y, x of a one-file series


def single(folder, compressor=None, recode=None) -> str:
    """One slice whose values encode their index, alone in ``folder``."""
    _, _, paths = make_series(folder, index_values(SLICE, 1, np.int16), compressor=compressor)
    if recode:
        dicomgen.recode(paths[0], recode)
    return paths[0]


def rows_past_the_data(folder):
    path = single(folder)
    dicomgen.edit(path, Rows=65535)
    ds = pydicom.dcmread(path)
    assert len(ds.PixelData) == 32 * 40 * 2 < ds.Rows * ds.Columns * 2  # GDCM pads the rest
    return path, ["2560 bytes", str(65535 * 40 * 2)]


def frames_text(frames: str):
    def build(folder):
        path = single(folder)
        dicomgen.edit(path, NumberOfFrames="7777")
        with open(path, "rb") as stream:  # pydicom will not write these: put them in as bytes
            data = stream.read().replace(b"7777", frames.ljust(4).encode())
        with open(path, "wb") as stream:
            stream.write(data)
        assert pydicom.dcmread(path).get_item(0x00280008).value.strip() == frames.encode()
        return path, ["NumberOfFrames (0028,0008)", repr(frames)]

    return build


def header_value(keyword: str, value: int):
    def build(folder):
        path = single(folder)
        dicomgen.edit(path, **{keyword: value})
        assert getattr(pydicom.dcmread(path), keyword) == value
        return path, [keyword, str(value)]

    return build


def high_bit_apart(folder):
    path = single(folder)
    dicomgen.edit(path, BitsStored=12, HighBit=15)  # readers disagree on where such bits are
    ds = pydicom.dcmread(path)
    assert (ds.BitsStored, ds.HighBit) == (12, 15)
    return path, ["HighBit (0028,0102)", "must be 11"]


def native_cut(folder):
    path = single(folder)
    os.truncate(path, os.path.getsize(path) - 1000)
    return path, ["1560 bytes of pixel data", "2560 bytes"]


def jpeg_rows(folder):
    path = single(folder, compressor="JPEG")
    dicomgen.edit(path, Rows=64)
    return path, ["codestream is 40x32", "40x64"]


def rle_as_jpeg2000(folder):
    path = single(folder, recode="RLE")
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = JPEG2000Lossless  # RLE segments labelled JPEG 2000
    ds.save_as(path)
    return path, ["not a JPEG 2000 codestream"]


def item_past_the_end(folder):
    path = single(folder, compressor="JPEG2000")
    os.truncate(path, os.path.getsize(path) - 20)
    return path, ["runs past the end of the file"]


def rle_segments(folder):
    path = single(folder, recode="RLE")
    dicomgen.edit(path, BitsAllocated=8, BitsStored=8, HighBit=7)
    return path, ["has 2 segments", "needs 1"]


def rle_ybr_full_422(folder):
    path = os.path.join(folder, "colour.dcm")
    os.makedirs(folder, exist_ok=True)
    dicomgen.colour_file(path, index_values((16, 16), 3, np.uint8), "RGB")
    dicomgen.recode(path, "RLE")
    dicomgen.edit(path, PhotometricInterpretation="YBR_FULL_422")  # GDCM corrupts its heap on this
    return path, ["YBR_FULL_422"]


def implicit_labelled_big_endian(folder):
    path = single(folder)
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.2"  # the label says big endian ...
    pydicom.dcmwrite(path, ds, implicit_vr=True, little_endian=True, force_encoding=True)  # ... it is not
    with open(path, "rb") as stream:
        data = stream.read()
    assert pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2"
    assert b"\x08\x00\x60\x00\x02\x00\x00\x00CT" in data  # (0008,0060) implicit VR little endian
    return path, ["cannot be read as transfer syntax 1.2.840.10008.1.2.2"]


def deflated(folder) -> tuple[str, int]:
    """A deflated one-slice file and where its deflated data set starts (after the meta group)."""
    path = single(folder)
    dicomgen.recode(path, "deflate")
    with open(path, "rb") as stream:
        data = stream.read()
    return path, 144 + struct.unpack_from("<I", data, 140)[0]


def deflate_cut(folder):
    path, _ = deflated(folder)
    os.truncate(path, os.path.getsize(path) * 2 // 3)
    return path, ["cut short"]


def deflate_huge_length(folder):
    path, start = deflated(folder)
    with open(path, "rb") as stream:
        data = stream.read()
    body = zlib.decompress(data[start:], -zlib.MAX_WBITS)
    pixel = body.rindex(b"\xe0\x7f\x10\x00")
    body = body[: pixel + 8] + struct.pack("<I", 0x7FFFFFF0) + body[pixel + 12 :]
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    with open(path, "wb") as stream:
        stream.write(data[:start] + packer.compress(body) + packer.flush())
    return path, [str(0x7FFFFFF0)]


def deflate_bomb(folder):
    path = single(folder)
    ds = pydicom.dcmread(path)
    ds.add_new(0x00090010, "LO", "bomb")
    ds.add(pydicom.DataElement(0x00091010, "OB", bytes(40 << 20)))  # a private 40 MiB of zeros
    ds.save_as(path)
    dicomgen.recode(path, "deflate")
    assert os.path.getsize(path) < 200_000
    return path, ["inflates to more than"]


def deflate_header_bomb(folder):
    """4.7 MB on disk: a private element of 1 GiB of zeros before the pixels, deflated."""
    path, start = deflated(folder)
    with open(path, "rb") as stream:
        data = stream.read()
    body = zlib.decompress(data[start:], -zlib.MAX_WBITS)
    pixel = body.rindex(b"\xe0\x7f\x10\x00")
    size = 1 << 30
    packer = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [data[:start], packer.compress(body[:pixel] + b"\x09\x00\x10\x00LO\x04\x00bomb"
                                           + b"\x09\x00\x10\x10OB\0\0" + struct.pack("<I", size))]
    zeros = bytes(1 << 24)
    parts += [packer.compress(zeros) for _ in range(size >> 24)]
    parts += [packer.compress(body[pixel:]), packer.flush()]
    with open(path, "wb") as stream:
        stream.write(b"".join(parts))
    assert os.path.getsize(path) < 8 << 20
    return path, ["deflated data set"]


CLASSES = {
    "rows past the data": rows_past_the_data,
    **{f"NumberOfFrames {v}": frames_text(v) for v in ("-1", "abc", "1.5", "0")},
    "BitsAllocated 12": header_value("BitsAllocated", 12),
    "BitsAllocated 24": header_value("BitsAllocated", 24),
    "BitsAllocated 65535": header_value("BitsAllocated", 65535),
    "SamplesPerPixel 2": header_value("SamplesPerPixel", 2),
    "HighBit apart from BitsStored": high_bit_apart,
    "RescaleSlope nan": header_value("RescaleSlope", "nan"),
    "RescaleSlope 0": header_value("RescaleSlope", "0"),
    "native data cut": native_cut,
    "JPEG rows": jpeg_rows,
    "RLE as JPEG 2000": rle_as_jpeg2000,
    "item past the end": item_past_the_end,
    "RLE segments": rle_segments,
    "RLE YBR_FULL_422": rle_ybr_full_422,
    "implicit labelled big endian": implicit_labelled_big_endian,
    "deflate cut": deflate_cut,
    "deflate huge length": deflate_huge_length,
    "deflate bomb": deflate_bomb,
    "deflate header bomb": deflate_header_bomb,
}

"""TIFF and LSM (.tif, .tiff, .lsm): where the voxels are, and the samples SimpleITK gets wrong.

SimpleITK 2.5's TIFF reader
- reads a file cut short without an error: :func:`data_layout` finds the bytes every strip
  and tile needs, so that a short file is refused;
- reads 8-, 16- and 32-bit samples only, and refuses others with libtiff's "can not handle
  images with 64-bit samples": :func:`explain` says which samples the file holds;
- reads 16-bit float samples as unsigned 16-bit integers (their bit patterns):
  :func:`fix_header` and :func:`restore_half_floats` give them as 32-bit floats (exact),
  while :func:`simpleitk_reads_half_floats_as_integers` says this SimpleITK does that.
"""

from __future__ import annotations

import functools
import os
import shutil
import struct
import tempfile
from dataclasses import replace

import numpy as np
import SimpleITK as sitk

from .hooks import DataLayout, FormatHooks

_TIFF_TYPE_BYTES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}
_TIFF_LIST_FORMATS = {3: "H", 4: "I", 16: "Q"}
_TIFF_STRIPS = {273: 279, 324: 325}  # strip / tile offsets -> their byte counts


def data_layout(path: str, expected: int) -> DataLayout:
    """Every image directory, every value it points to, and every strip or tile must lie in
    the file (read by seeking: a TIFF may be large)."""
    size = os.path.getsize(path)
    with open(path, "rb") as stream:

        def read(offset: int, fmt: str):
            stream.seek(offset)
            raw = stream.read(struct.calcsize(fmt))
            return struct.unpack(fmt, raw) if len(raw) == struct.calcsize(fmt) else None

        endian = {b"II": "<", b"MM": ">"}.get(stream.read(2))
        if endian is None:
            return DataLayout(path, 0, None, 0, "not a TIFF file")
        big = read(2, endian + "H") == (43,)
        entry, count_fmt, word = (20, "Q", "Q") if big else (12, "H", "I")
        word_size = struct.calcsize(word)
        ifd, seen, needed = read(8 if big else 4, endian + word)[0], set(), 0
        while ifd:
            if ifd in seen or len(seen) > 1_000_000:
                return DataLayout(path, 0, None, 0, "its image directories loop")
            seen.add(ifd)
            count = read(ifd, endian + count_fmt)
            first = ifd + struct.calcsize(count_fmt)
            if count is None or first + count[0] * entry + word_size > size:
                return _cut(path, f"an image directory at byte {ifd} runs past its end")
            lists = {}
            for k in range(count[0]):
                at = first + k * entry
                tag, kind, number = read(at, endian + "HH" + word)
                value_bytes = _TIFF_TYPE_BYTES.get(kind, 1) * number
                where = at + 4 + word_size
                if value_bytes > word_size:
                    where = read(where, endian + word)[0]
                    if where + value_bytes > size:
                        return _cut(path, f"the values of TIFF tag {tag} lie past its end")
                if kind in _TIFF_LIST_FORMATS and (
                    tag in _TIFF_STRIPS or tag in _TIFF_STRIPS.values()
                ):
                    lists[tag] = read(where, endian + _TIFF_LIST_FORMATS[kind] * number)
            for offsets, counts in _TIFF_STRIPS.items():
                for start, length in zip(lists.get(offsets) or (), lists.get(counts) or (), strict=False):
                    needed = max(needed, start + length)
            ifd = read(first + count[0] * entry, endian + word)[0]
    return DataLayout(path, 0, None, needed)


def _cut(path: str, what: str) -> DataLayout:
    return DataLayout(path, 0, None, 0, f"the file is truncated: {what}")


_SAMPLE_KINDS = {1: "unsigned integer", 2: "signed integer", 3: "float", 4: "untyped",
                 5: "complex integer", 6: "complex float"}
_BITS, _FORMAT = 258, 339  # BitsPerSample, SampleFormat


def first_directory(path: str) -> dict[int, tuple] | None:
    """The short (inline or listed) values of the first image directory's tags, by tag;
    None where the file is not a readable TIFF."""
    try:
        with open(path, "rb") as stream:
            endian = {b"II": "<", b"MM": ">"}.get(stream.read(2))
            if endian is None:
                return None
            big = struct.unpack(endian + "H", stream.read(2))[0] == 43
            entry, count_fmt, word = (20, "Q", "Q") if big else (12, "H", "I")
            word_size = struct.calcsize(word)
            stream.seek(8 if big else 4)
            stream.seek(struct.unpack(endian + word, stream.read(word_size))[0])
            count = struct.unpack(endian + count_fmt, stream.read(struct.calcsize(count_fmt)))[0]
            count = min(count, 4096)  # never a read as large as a damaged count says
            raw = stream.read(count * entry)
            tags = {}
            for k in range(count):
                tag, kind, number = struct.unpack_from(endian + "HH" + word, raw, k * entry)
                fmt = _TIFF_LIST_FORMATS.get(kind, {1: "B"}.get(kind))
                if fmt is None or number > 64:
                    continue
                size = struct.calcsize(fmt) * number
                where = k * entry + 4 + word_size
                if size <= word_size:
                    tags[tag] = struct.unpack_from(endian + fmt * number, raw, where)
                else:
                    here = stream.tell()
                    stream.seek(struct.unpack_from(endian + word, raw, where)[0])
                    tags[tag] = struct.unpack(endian + fmt * number, stream.read(size))
                    stream.seek(here)
            return tags
    except (OSError, struct.error, OverflowError, ValueError):
        return None


def _samples(path: str, tags: dict[int, tuple] | None = None) -> tuple[int, int] | None:
    """(bits, SampleFormat) of the first image's samples."""
    tags = first_directory(path) if tags is None else tags
    if tags is None:
        return None
    return (tags.get(_BITS) or (1,))[0], (tags.get(_FORMAT) or (1,))[0]


def explain(path: str) -> str | None:
    """Why SimpleITK cannot read ``path``, where the file says it; else None."""
    tags = first_directory(path)
    if tags is None:
        with open(path, "rb") as stream:
            start = stream.read(4)
        if start[:2] not in (b"II", b"MM"):
            return "not a TIFF file (it does not start with II or MM)"
        return "its TIFF image directory cannot be read (damaged or cut short)"
    bits, kind = _samples(path, tags)
    if bits not in (8, 16, 32) and bits > 1:
        name = _SAMPLE_KINDS.get(kind, f"SampleFormat {kind}")
        return (
            f"{bits}-bit {name} samples (BitsPerSample {bits}, SampleFormat {kind}): "
            "SimpleITK's TIFF reader reads 8-, 16- and 32-bit samples only"
        )
    return None


def _half_float_probe(path: str) -> None:
    """A 2 x 1 TIFF of 16-bit float samples 1.0 and 2.0, one strip."""
    data = np.array([1.0, 2.0], dtype="<f2").tobytes()
    entries = [(256, 2), (257, 1), (258, 16), (259, 1), (262, 1), (273, 8), (277, 1), (278, 1),
               (279, len(data)), (339, 3)]
    directory = struct.pack("<H", len(entries))
    for tag, value in entries:
        directory += struct.pack("<HHIHH", tag, 3, 1, value, 0)
    with open(path, "wb") as stream:
        stream.write(b"II" + struct.pack("<HI", 42, 8 + len(data)) + data + directory + bytes(4))


@functools.lru_cache(maxsize=1)
def simpleitk_reads_half_floats_as_integers() -> bool:
    """Whether this SimpleITK returns 16-bit float TIFF samples as their bits (once per process)."""
    folder = tempfile.mkdtemp(prefix="sitkvtk-tiff-")
    try:
        path = os.path.join(folder, "half.tif")
        _half_float_probe(path)
        try:
            image = sitk.ReadImage(path)
        except RuntimeError:
            return False
        values = sitk.GetArrayViewFromImage(image).ravel().tolist()
        return image.GetPixelID() == sitk.sitkUInt16 and values == [0x3C00, 0x4000]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _half_floats(header) -> bool:
    return (
        header.pixel_id in (sitk.sitkUInt16, sitk.sitkVectorUInt16)
        and _samples(header.path) == (16, 3)
        and simpleitk_reads_half_floats_as_integers()
    )


def fix_header(header):
    """16-bit float samples come out as 32-bit floats (SimpleITK says unsigned 16-bit)."""
    if not _half_floats(header):
        return header
    vector = header.pixel_id == sitk.sitkVectorUInt16
    return replace(header, pixel_id=sitk.sitkVectorFloat32 if vector else sitk.sitkFloat32)


def restore_half_floats(header, image: sitk.Image, start, size, step: int = 0):
    """SimpleITK's unsigned 16-bit voxels as the 16-bit floats they hold, widened to 32-bit
    floats (exact) in a new (z, y, x[, c]) array: VTK has no 16-bit float."""
    if header.pixel_id not in (sitk.sitkFloat32, sitk.sitkVectorFloat32) or image.GetPixelID() not in (
        sitk.sitkUInt16, sitk.sitkVectorUInt16,
    ):
        return image
    ncomp = image.GetNumberOfComponentsPerPixel()
    shape = tuple(size[:3][::-1]) + ((ncomp,) if ncomp > 1 else ())
    bits = sitk.GetArrayViewFromImage(image).reshape(shape)
    return bits.view(np.float16).astype(np.float32)


def notes(path: str, metadata: dict, header) -> dict[str, str]:
    if header.pixel_id in (sitk.sitkFloat32, sitk.sitkVectorFloat32) and _samples(path) == (16, 3):
        return {"TIFF_samples": "16-bit floats, given as 32-bit floats (SimpleITK reads their bits as integers)"}
    return {}


HOOKS = (
    FormatHooks(io_names=("TIFFImageIO",), extensions=("tif", "tiff"), data_layout=data_layout, explain=explain,
                fix_header=fix_header, restore=restore_half_floats, notes=notes),
    FormatHooks(io_names=("LSMImageIO",), extensions=("lsm",), data_layout=data_layout),
)

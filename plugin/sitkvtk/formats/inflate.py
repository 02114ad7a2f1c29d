"""A gzip file's bytes inflated straight into a caller's buffer.

Through zlib's own ``gzread`` (the system libz, by ctypes) where it can be found: Python's
``gzip`` module inflates through small intermediate buffers and was measured at 2.4x
zlib's time on a 200 MB .nii.gz (0.45 s against 0.19 s; SimpleITK 0.28 s). Both check
the stream's CRC and length at its end.
"""

from __future__ import annotations

import ctypes
import gzip
import os

_CHUNK = 1 << 30  # gzread takes an unsigned int length


def _load_libz():
    import ctypes.util  # runs ldconfig: only when a file is first inflated

    name = ctypes.util.find_library("z")
    if name is None:
        return None
    try:
        libz = ctypes.CDLL(name)
        libz.gzopen.restype = ctypes.c_void_p
        libz.gzopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libz.gzbuffer.argtypes = [ctypes.c_void_p, ctypes.c_uint]
        libz.gzseek.restype = ctypes.c_long
        libz.gzseek.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_int]
        libz.gzread.restype = ctypes.c_int
        libz.gzread.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint]
        libz.gzerror.restype = ctypes.c_char_p
        libz.gzerror.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        libz.gzclose.argtypes = [ctypes.c_void_p]
        return libz
    except (OSError, AttributeError):
        return None


_LIBZ = None  # loaded on first use; False when there is none


def inflate_into(path: str, start: int, target: memoryview) -> int:
    """Inflate ``path`` from uncompressed byte ``start`` into ``target``; bytes filled.

    Fewer than ``len(target)`` means the stream ended early. Raises ``OSError`` for a
    damaged stream.
    """
    global _LIBZ
    if _LIBZ is None:
        _LIBZ = _load_libz() or False
    if not _LIBZ:
        return _inflate_with_python(path, start, target)
    handle = _LIBZ.gzopen(os.fsencode(path), b"rb")
    if not handle:
        raise OSError(f"cannot open {path}")
    try:
        _LIBZ.gzbuffer(handle, 1 << 20)
        if _LIBZ.gzseek(handle, start, 0) != start:
            return 0
        address = ctypes.addressof(ctypes.c_char.from_buffer(target))
        filled = 0
        while filled < target.nbytes:
            count = _LIBZ.gzread(handle, address + filled, min(target.nbytes - filled, _CHUNK))
            if count < 0:
                code = ctypes.c_int()
                raise OSError(_LIBZ.gzerror(handle, ctypes.byref(code)).decode(errors="replace"))
            if count == 0:
                break
            filled += count
        return filled
    finally:
        _LIBZ.gzclose(handle)


def _inflate_with_python(path: str, start: int, target: memoryview) -> int:
    filled = 0
    try:
        with gzip.open(path, "rb") as stream:
            stream.seek(start)
            while filled < target.nbytes:
                count = stream.readinto(target[filled : filled + (1 << 24)])
                if not count:
                    break
                filled += count
            stream.read(1)  # on to the end of the stream, where its CRC is checked
    except (EOFError, gzip.BadGzipFile) as error:
        raise OSError(str(error)) from None
    return filled

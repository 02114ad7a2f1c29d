"""A new buffer's pages mapped on another core while voxels are read into it.

The first write to each page of a fresh 200 MB buffer costs the kernel 0.1-0.2 s here (a
quarter of a .nii.gz read). ``madvise(MADV_POPULATE_WRITE)`` (Linux 5.14) maps pages
without changing what they hold, so a thread can run it ahead of the reader: where the
reader gets to a page first, the call finds it mapped and goes on. ctypes releases the
GIL during the call. Elsewhere (other systems, older kernels) nothing is done.

Such a buffer also gets ordinary pages, not the transparent huge pages numpy asks for
(``MADV_NOHUGEPAGE``): with huge pages a fresh 210 MB .nii read took 0.5-0.7 s of CPU (the
kernel compacting memory for them) against 0.12 s with ordinary ones.
"""

from __future__ import annotations

import ctypes
import sys
import threading

import numpy as np

_MADV_NOHUGEPAGE = 15
_MADV_POPULATE_WRITE = 23
_PAGE = 4096
_SMALLEST = 16 << 20  # below this the thread costs more than it saves
_CHUNK = 8 << 20  # one call per chunk: the reader can catch up only one chunk at a time

_madvise = None  # looked up on first use; False where there is none


def _lookup():
    if not sys.platform.startswith("linux"):
        return False
    try:
        function = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    function.restype = ctypes.c_int
    return function


class _Ahead(threading.Thread):
    """The mapping thread. ``join()`` stops it at the next chunk first: once the reader is
    done (or has failed, e.g. on a file that cannot hold what its header promised) the
    rest of a huge buffer must not be mapped for nothing."""

    def __init__(self, start: int, end: int):
        super().__init__(daemon=True)
        self._range = (start, end)
        self._done = threading.Event()

    def run(self) -> None:
        start, end = self._range
        for address in range(start, end, _CHUNK):
            if self._done.is_set():
                return
            if _madvise(address, min(_CHUNK, end - address), _MADV_POPULATE_WRITE) != 0:
                return  # not supported by this kernel, or no memory: the reader faults them in itself

    def join(self, timeout: float | None = None) -> None:
        self._done.set()
        super().join(timeout)


def map_ahead(array: np.ndarray) -> threading.Thread | None:
    """Start mapping ``array``'s pages on another thread; join the thread (which stops it)
    when the reading is done or has failed, before ``array`` goes.
    None where there is nothing to gain (a small array, not Linux)."""
    global _madvise
    if array.nbytes < _SMALLEST:
        return None
    if _madvise is None:
        _madvise = _lookup()
    if not _madvise:
        return None
    address = array.ctypes.data
    start = -(-address // _PAGE) * _PAGE
    end = (address + array.nbytes) // _PAGE * _PAGE
    _madvise(start, end - start, _MADV_NOHUGEPAGE)  # before any page is touched
    thread = _Ahead(start, end)
    thread.start()
    return thread

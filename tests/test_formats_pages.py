"""Mapping a new buffer's pages on another thread (formats/pages.py) never changes what the
buffer holds, whether the reader wrote a page before the thread got there or after."""

from __future__ import annotations

import sys

import numpy as np

from sitkvtk.formats import pages


def test_mapping_ahead_keeps_what_is_written():
    out = np.empty(48 << 20, dtype=np.uint8)
    pattern = (np.arange(out.size // 8, dtype=np.uint64) * 2654435761).view(np.uint8)
    out[: out.size // 2] = pattern[: out.size // 2]  # written before the thread starts
    thread = pages.map_ahead(out)
    if sys.platform.startswith("linux"):
        assert thread is not None
    out[out.size // 2 :] = pattern[out.size // 2 :]  # written while it runs
    if thread is not None:
        thread.join()
    np.testing.assert_array_equal(out, pattern)


def test_small_buffers_are_left_alone():
    assert pages.map_ahead(np.empty(1 << 20, dtype=np.uint8)) is None

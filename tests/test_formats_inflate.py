"""Inflating a gzip file straight into a buffer (formats/inflate.py): through the system libz
and through Python's gzip, whole streams read and damaged ones reported."""

from __future__ import annotations

import numpy as np
import pytest

from sitkvtk.formats import inflate


@pytest.mark.parametrize("use_libz", [True, False], ids=["libz", "python-gzip"])
def test_inflate_reads_whole_streams_and_reports_damaged_ones(tmp_path, monkeypatch, use_libz):
    import gzip
    import zlib

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

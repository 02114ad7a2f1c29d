"""Random access into a gzip file: inflate checkpoints kept as the stream is read (zran's idea).

A checkpoint is a copy of zlib's inflate state (its 32 KiB window included, ~40 KiB) at
some uncompressed offset, with the compressed offset it had reached. Reading from byte
``start`` resumes from the last checkpoint at or before it, so a slice costs the distance
from that checkpoint, not the distance from the start of the file. The first pass over a
read goes on to the end of the stream, leaving checkpoints all along it (the output it
does not need is dropped as it goes): after it, any box costs at most one spacing more
than its own bytes. One whole pass costs about a whole read through zlib; an MPI rank
reading the last slab paid that before anyway.

Memory is bounded: past ``max_points`` checkpoints every other one is dropped and the
spacing doubles. The index belongs to one file as it was: it is dropped when the file's
size, modification time or inode change.

zlib, not ISA-L: only zlib's inflate state can be copied (``Decompress.copy``).
"""

from __future__ import annotations

import bisect
import os
import zlib

_GZIP = 31
_INPUT = 1 << 17  # compressed bytes read at a time: each call copies what it leaves (inflate.py)
_PIECE = 1 << 17


class GzipIndex:
    """Checkpoints into one gzip file; :meth:`read_into` reads any range of its bytes."""

    def __init__(self, path: str, spacing: int = 1 << 20, max_points: int = 96):
        self.path = path
        self.spacing = spacing
        self.max_points = max_points
        self._stamp = None
        self._reset()

    def _reset(self) -> None:
        # Parallel lists, sorted by uncompressed offset: (uncompressed, compressed, state).
        self._outs: list[int] = [0]
        self._ins: list[int] = [0]
        self._states = [zlib.decompressobj(_GZIP)]
        self._complete = False  # checkpoints reach the end of the stream

    def __len__(self) -> int:
        return len(self._outs)

    def _current(self) -> None:
        """Drop the checkpoints if the file is not the one they were taken from."""
        status = os.stat(self.path)
        stamp = (status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev)
        if stamp != self._stamp:
            self._reset()
            self._stamp = stamp

    def read_into(self, start: int, target: memoryview) -> int:
        """Inflate bytes ``start ..`` into ``target``; bytes filled (fewer: the stream ended).

        Raises ``OSError`` for a damaged stream (``zlib.error`` becomes ``OSError``).
        """
        self._current()
        target = target.cast("B")
        wanted = target.nbytes
        to_end = not self._complete
        at = bisect.bisect_right(self._outs, start) - 1  # the first pass goes on to the end
        out, pos = self._outs[at], self._ins[at]
        decompressor = self._states[at].copy()  # the checkpoint stays as it was
        frontier = self._outs[-1]
        filled = 0
        try:
            with open(self.path, "rb", buffering=0) as stream:
                stream.seek(pos)
                data = stream.read(_INPUT)
                while data and (filled < wanted or to_end):
                    while data and (filled < wanted or to_end):
                        # Stop at the next checkpoint to be taken, so it lands where planned.
                        limit = _PIECE
                        if out >= frontier:
                            limit = min(limit, max(frontier + self.spacing - out, 1))
                        if out < start:
                            limit = min(limit, start - out)
                        elif filled < wanted:
                            limit = min(limit, wanted - filled)
                        piece = decompressor.decompress(data, limit)
                        # At the end of a member the input left is unused_data (the tail may hold it too).
                        rest = decompressor.unused_data if decompressor.eof else decompressor.unconsumed_tail
                        pos += len(data) - len(rest)
                        data = rest
                        if out >= start and filled < wanted:
                            target[filled : filled + len(piece)] = piece
                            filled += len(piece)
                        out += len(piece)
                        if decompressor.eof:  # the next member, if any
                            if len(data) < 2:
                                data += stream.read(_INPUT)
                            if data[:2] != b"\x1f\x8b":
                                self._complete = self._complete or to_end
                                return filled
                            decompressor = zlib.decompressobj(_GZIP)
                        if out >= frontier + self.spacing:
                            self._add(out, pos, decompressor.copy())
                            frontier = out
                    if filled < wanted or to_end:
                        data = stream.read(_INPUT)
        except zlib.error as error:
            raise OSError(f"damaged compressed data ({error})") from None
        return filled

    def _add(self, out: int, pos: int, state) -> None:
        at = bisect.bisect_left(self._outs, out)
        if at < len(self._outs) and self._outs[at] == out:
            return
        self._outs.insert(at, out)
        self._ins.insert(at, pos)
        self._states.insert(at, state)
        if len(self._outs) > self.max_points:  # keep every other one: memory stays bounded
            self._outs, self._ins, self._states = self._outs[::2], self._ins[::2], self._states[::2]
            self.spacing *= 2

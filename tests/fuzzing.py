"""Header mutants of small valid files, read in a child process that may crash.

:class:`ChildReader` keeps one child (``fuzz_child.py``) reading file after file; when
the child dies, the file it was reading is recorded as a crash (with the signal) and a
new child takes the next file. The strategies build mutants of NIfTI (binary header),
MetaImage and NRRD (text headers): fields set to hostile values, bytes overwritten,
lines dropped or repeated, files cut short.
"""

from __future__ import annotations

import collections
import gzip
import os
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "fuzz_child.py")

#: Outcome counts per test, read by conftest.py's terminal summary.
#: {name: Counter(ok=, error=, other=, crash=, hang=)}, and the crashes' details.
RESULTS: dict[str, collections.Counter] = {}
CRASHES: dict[str, list[str]] = {}


@dataclass
class Outcome:
    status: str  # ok | error | other | crash | hang
    detail: str


class ChildReader:
    """Reads files in a child process, one at a time, restarting it after a crash."""

    def __init__(self, mode: str = "sitkvtk", timeout: float = 60.0, memory_mib: int = 3072):
        self.mode, self.timeout, self.memory_mib = mode, timeout, memory_mib
        self.process: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.count = 0
        self.starts = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, CHILD, self.mode, str(self.memory_mib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",  # not the locale's: an error may quote non-ASCII header bytes
            errors="surrogateescape",  # a file name that is not UTF-8 goes over as its bytes
            bufsize=1,
        )
        self.starts += 1
        self.lines = queue.Queue()
        # A thread, so that a line can be awaited with a timeout whatever stdout buffers.
        threading.Thread(
            target=self._pump, args=(self.process.stdout, self.lines), daemon=True
        ).start()
        first = self._next_line(self.timeout)
        if first != "READY":
            raise RuntimeError(f"fuzz child did not start: {first!r} {self._stderr_tail()}")

    @staticmethod
    def _pump(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)  # end of output: the child exited

    def _next_line(self, timeout: float) -> str | None:
        """The next protocol line (BEGIN, END, READY), None at the child's exit, or TIMEOUT."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                return "TIMEOUT"
            if line is None or line.startswith(("BEGIN ", "END ", "READY")):
                return line

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        return " | ".join(line for line in text.splitlines()[-3:] if line.strip())

    def read(self, path: str) -> Outcome:
        if self.process is None or self.process.poll() is not None:
            self._start()
        self.count += 1
        number = str(self.count)
        self.process.stdin.write(f"{number}\t{path}\n")
        self.process.stdin.flush()
        begin = self._next_line(self.timeout)
        end = self._next_line(self.timeout) if begin == f"BEGIN {number}" else begin
        if end is not None and end.startswith(f"END {number} "):
            status, _, detail = end[len(f"END {number} ") :].partition(" ")
            return Outcome(status, detail)
        return self._died(end)

    def _died(self, last: str | None) -> Outcome:
        hung = last == "TIMEOUT"
        try:
            code = self.process.wait(timeout=0 if hung else 10)
        except subprocess.TimeoutExpired:  # alive but not answering: never wait on it
            hung = True
            self.process.kill()
            code = self.process.wait()
        self.process = None
        if hung:
            return Outcome("hang", f"no answer in {self.timeout:.0f} s")
        name = signal.Signals(-code).name if code < 0 else f"exit {code}"
        return Outcome("crash", f"{name}: {self._stderr_tail()}")

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# -- hostile values ---------------------------------------------------------------
INTS = [0, 1, -1, 2, 3, 4, 5, 7, 8, 16, 255, 256, 32767, -32768, 65535, 2**31 - 1, -(2**31)]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-30, 1e30, 3.4e38, float("nan"), float("inf"), float("-inf")]

# NIfTI-1 header: (name, byte offset, struct format).
NIFTI_FIELDS = (
    [("sizeof_hdr", 0, "i"), ("dim_info", 39, "b")]
    + [(f"dim[{i}]", 40 + 2 * i, "h") for i in range(8)]
    + [
        ("intent_p1", 56, "f"),
        ("intent_p2", 60, "f"),
        ("intent_p3", 64, "f"),
        ("intent_code", 68, "h"),
        ("datatype", 70, "h"),
        ("bitpix", 72, "h"),
        ("slice_start", 74, "h"),
    ]
    + [(f"pixdim[{i}]", 76 + 4 * i, "f") for i in range(8)]
    + [
        ("vox_offset", 108, "f"),
        ("scl_slope", 112, "f"),
        ("scl_inter", 116, "f"),
        ("slice_end", 120, "h"),
        ("slice_code", 122, "b"),
        ("xyzt_units", 123, "b"),
        ("cal_max", 124, "f"),
        ("cal_min", 128, "f"),
        ("slice_duration", 132, "f"),
        ("toffset", 136, "f"),
        ("qform_code", 252, "h"),
        ("sform_code", 254, "h"),
    ]
    + [
        (name, 256 + 4 * i, "f")
        for i, name in enumerate(
            ["quatern_b", "quatern_c", "quatern_d", "qoffset_x", "qoffset_y", "qoffset_z"]
        )
    ]
    + [(f"srow[{i}]", 280 + 4 * i, "f") for i in range(12)]
)
NIFTI_DATATYPES = [
    0,
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
    256,
    512,
    768,
    1024,
    1280,
    1536,
    1792,
    2048,
    2304,
    3,
    9999,
]


def _pack(fmt: str, value) -> bytes:
    if fmt == "f":
        return struct.pack("<f", float(value))
    low, high = {"b": (-128, 127), "h": (-32768, 32767), "i": (-(2**31), 2**31 - 1)}[fmt]
    return struct.pack("<" + fmt, min(max(int(value), low), high))


@st.composite
def nifti_mutant(draw, base: bytes) -> bytes:
    """``base`` (an uncompressed .nii) with 1-4 header edits, maybe cut short."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["field", "field", "field", "byte"]))
        if kind == "byte":
            offset = draw(st.integers(0, 351))
            data[offset] = draw(st.integers(0, 255))
            continue
        name, offset, fmt = draw(st.sampled_from(NIFTI_FIELDS))
        if name == "datatype":
            value = draw(st.sampled_from(NIFTI_DATATYPES))
        elif fmt == "f":
            value = draw(st.sampled_from(FLOATS) | st.floats(-1e6, 1e6, width=32))
        else:
            value = draw(st.sampled_from(INTS) | st.integers(-40000, 40000))
        data[offset : offset + struct.calcsize(fmt)] = _pack(fmt, value)
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data) - 1))]
    return bytes(data)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@st.composite
def nifti_gz_mutant(draw, base: bytes) -> bytes:
    """A mutant of ``base`` (.nii) compressed, and half the time its gzip stream damaged:
    a byte changed or the stream cut short."""
    data = bytearray(gzipped(draw(nifti_mutant(base))))
    damage = draw(st.sampled_from(["none", "none", "byte", "cut"]))
    if damage == "byte":
        data[draw(st.integers(10, len(data) - 1))] = draw(st.integers(0, 255))
    elif damage == "cut":
        data = data[: draw(st.integers(10, len(data) - 1))]
    return bytes(data)


# Values for "key = value" / "key: value" header lines.
TEXT_TOKENS = [
    "",
    "0",
    "1",
    "-1",
    "2",
    "3",
    "4",
    "7",
    "99999",
    "2147483648",
    "-2147483649",
    "1e308",
    "nan",
    "inf",
    "-inf",
    "abc",
    "1 2",
    "0 0 0",
    "-1 3 2",
    "30000 30000 30000",
    "2 3 4 5 6 7 8 9 10 11 12",
    "1 0 0 0 1 0 0 0 1",
    "0 0 0 0 0 0 0 0 0",
    "nan nan nan",
    "1 1 1 1 1 1 1 1 1",
    "True",
    "False",
    "LOCAL",
    "LIST",
    "missing.raw",
    "%d.raw 1 3 1",
    "..",
    "/",
]
MHA_TOKENS = TEXT_TOKENS + [
    "MET_UCHAR",
    "MET_SHORT",
    "MET_FLOAT",
    "MET_DOUBLE",
    "MET_STRING",
    "MET_OTHER",
    "MET_LONG_LONG",
    "MET_UCHAR_ARRAY",
    "MET_FLOAT_MATRIX",
    "1000000",
    "-5",
]
NRRD_TOKENS = TEXT_TOKENS + [
    "block",
    "int64",
    "double",
    "uchar",
    "signed char",
    "float",
    "raw",
    "gzip",
    "bzip2",
    "hex",
    "ascii",
    "(1,0,0) (0,1,0) (0,0,1)",
    "(nan,0,0) (0,1,0) (0,0,1)",
    "(0,0,0) (0,0,0) (0,0,0)",
    "none (1,0,0) (0,1,0)",
    "(1,0) (0,1)",
    "(1,0,0,0) (0,1,0,0) (0,0,1,0)",
    "(0,0,0)",
    "(nan,nan,nan)",
    "(1,2)",
    "domain domain domain",
    "RGB-color domain domain",
    "3-vector domain domain",
    "complex domain domain",
    "space",
    "list",
    "4 3 2 2",
    "0 3 2",
    "big",
    "little",
    "left-posterior-superior",
    "3D-right-handed",
    "scanner-xyz",
    "RAS",
    "16",
]


@st.composite
def text_header_mutant(draw, base: bytes, separator: bytes, tokens: list[str]) -> bytes:
    """``base`` with its text header (up to the first blank line or data line) edited."""
    header, gap, body = _split_text_header(base)
    lines = header.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["value", "value", "value", "drop", "repeat", "byte"]))
        index = draw(st.integers(0, len(lines) - 1))
        if kind == "value" and separator in lines[index]:
            key = lines[index].split(separator, 1)[0]
            token = draw(st.sampled_from(tokens) | st.text("0123456789-+.e ()", max_size=12))
            lines[index] = key + separator + b" " + token.encode()
        elif kind == "drop" and len(lines) > 1:
            del lines[index]
        elif kind == "repeat":
            lines.insert(index, lines[index])
        elif lines[index]:
            line = bytearray(lines[index])
            line[draw(st.integers(0, len(line) - 1))] = draw(st.integers(0, 255))
            lines[index] = bytes(line)
    data = b"\n".join(lines) + gap + body
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data


def _split_text_header(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(header lines, separator, voxel bytes) of a MetaImage or NRRD file."""
    if data.startswith(b"NRRD"):
        end = data.index(b"\n\n")
        return data[:end], b"\n\n", data[end + 2 :]
    end = data.index(b"ElementDataFile")
    end = data.index(b"\n", end)
    return data[:end], b"\n", data[end + 1 :]

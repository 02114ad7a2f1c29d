"""Reads the files named on stdin, one per line, and reports each: run as a child process.

A crash of SimpleITK (segfault, abort) kills this process, which the parent sees as
a negative exit code after the ``BEGIN`` line of the file being read. Protocol, one
line each way per file::

    stdin:  <number> TAB <path>
    stdout: BEGIN <number>
            END <number> <ok|error|other> <detail>

``ok``: read, with the number of points, the dimensions (x, y, z), the components and the sum
of the values;
``error``: a ReadError (the clean refusal;
in ``simpleitk`` mode, SimpleITK's RuntimeError);
``other``: any other Python exception (a failure too, but not a crash).

Usage: ``python fuzz_child.py [sitkvtk|simpleitk] [memory limit in MiB]``. The
``simpleitk`` mode calls ``SimpleITK.ReadImage`` bare, to show what is being guarded.
"""

from __future__ import annotations

import io
import os
import resource
import sys


def _limit_memory(mebibytes: int) -> None:
    # A mutant may promise gigabytes: the child must fail, not take the machine down.
    limit = mebibytes << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "sitkvtk"
    _limit_memory(int(argv[1]) if len(argv) > 1 else 3072)
    import numpy as np
    import SimpleITK as sitk
    from vtkmodules.util import numpy_support

    import sitkvtk

    sitk.ProcessObject.SetGlobalWarningDisplay(False)

    # The clean refusal: sitkvtk's ReadError, or the exception bare SimpleITK raises.
    clean = (sitkvtk.ReadError,) if mode == "sitkvtk" else (RuntimeError, MemoryError)

    def read(path: str) -> str:
        if mode == "simpleitk":
            if os.path.isdir(path):  # a DICOM series, as SimpleITK's own examples read one
                reader = sitk.ImageSeriesReader()
                reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(path))
                image = reader.Execute()
            else:
                image = sitk.ReadImage(path)
            dims = (tuple(image.GetSize()) + (1, 1))[:3]
            total = float(sitk.GetArrayViewFromImage(image).sum(dtype=np.float64))
            return (f"{image.GetNumberOfPixels()} points {'x'.join(map(str, dims))} "
                    f"{image.GetNumberOfComponentsPerPixel()} {total!r}")
        image = sitkvtk.read(path)
        if image.GetNumberOfPoints() == 0:  # neither data nor an error: a silent failure
            raise RuntimeError("sitkvtk.read returned an empty image without an error")
        scalars = image.GetPointData().GetScalars()
        dims = "x".join(map(str, image.GetDimensions()))
        total = float(numpy_support.vtk_to_numpy(scalars).sum(dtype=np.float64))
        return f"{image.GetNumberOfPoints()} points {dims} {scalars.GetNumberOfComponents()} {total!r}"

    # The protocol gets its own copy of stdout; file descriptor 1 goes to stderr, so that
    # what a C library prints there (libjpeg, libtiff, HDF5 do) cannot be taken for a reply.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def say(text: str) -> None:
        protocol.write(text + "\n")
        protocol.flush()

    say("READY")
    for line in io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape"):
        number, path = line.rstrip("\n").split("\t", 1)
        say(f"BEGIN {number}")
        try:
            outcome = "ok " + read(path)
        except clean as error:
            outcome = "error " + _one_line(error)
        except Exception as error:  # noqa: BLE001 - reported to the parent, which fails on it
            outcome = f"other {type(error).__name__}: {_one_line(error)}"
        say(f"END {number} {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

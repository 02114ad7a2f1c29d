"""DICOM series benchmark: sitkvtk against SimpleITK's ImageSeriesReader and VTK's
vtkDICOMImageReader.

    .venv/bin/python tests/benchmarks/bench_dicom.py [--slices 300] [--size 512] [--repeat 5]

Writes an uncompressed int16 series (default 300 slices of 512 x 512, 150 MB) to a
temporary folder, then reads the whole series with each method, each run in a fresh
child process, the methods interleaved and repeated. Prints the median wall time (the
folder scan included) and the median peak memory above the child's RSS after its
imports, as MB and as a multiple of the image's bytes, and each time as a ratio to
vtkDICOMImageReader's. Targets: sitkvtk no slower than vtkDICOMImageReader, peak at
most 1.2x the image.

Not part of the test run (pytest collects test_*.py only): it takes a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
method, folder = sys.argv[1], sys.argv[2]
import numpy as np
import SimpleITK as sitk
import sitkvtk
from vtkmodules.vtkIOImage import vtkDICOMImageReader

def status(field):
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would carry the parent's peak.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

try:  # reset the peak to now, so the imports' own peak does not count
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
base = status("VmRSS")
start = time.perf_counter()
if method == "sitkvtk":
    keep = sitkvtk.read(folder)
elif method == "sitkvtk 10 slices":
    keep = sitkvtk.read(folder, extent=(0, 511, 0, 511, 100, 109))
elif method == "sitk.ImageSeriesReader":
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(folder))
    keep = reader.Execute()
elif method == "vtkDICOMImageReader":
    reader = vtkDICOMImageReader()
    reader.SetDirectoryName(folder)
    reader.Update()
    keep = reader.GetOutput()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak": status("VmHWM") - base}))
"""

METHODS = ["vtkDICOMImageReader", "sitk.ImageSeriesReader", "sitkvtk", "sitkvtk 10 slices"]


def write_series(folder: str, slices: int, size: int) -> int:
    import numpy as np
    import SimpleITK as sitk

    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    uid = "1.2.826.0.1.3680043.8.498.77"
    rng = np.random.default_rng(0)
    for k in range(slices):
        image = sitk.GetImageFromArray(rng.integers(-1024, 3000, (size, size), dtype=np.int16))
        image.SetSpacing((0.7, 0.7))
        for tag, value in [("0008|0060", "CT"), ("0020|000e", uid), ("0008|0018", f"{uid}.{k + 1}"),
                           ("0020|0013", str(k + 1)), ("0020|0032", f"-180\\-180\\{1.25 * k}"),
                           ("0020|0037", "1\\0\\0\\0\\1\\0"), ("0008|0016", "1.2.840.10008.5.1.4.1.1.2")]:
            image.SetMetaData(tag, value)
        writer.SetFileName(os.path.join(folder, f"slice{k:04d}.dcm"))
        writer.Execute(image)
    return slices * size * size * 2


def run(method: str, folder: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, method, folder], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        nbytes = write_series(folder, args.slices, args.size)
        for method in METHODS:  # warm the page cache and the imports
            run(method, folder)
        results = {m: [] for m in METHODS}
        for _ in range(args.repeat):
            for method in METHODS:
                results[method].append(run(method, folder))
    reference = statistics.median(r["seconds"] for r in results["vtkDICOMImageReader"])
    print(f"{args.slices} slices of {args.size}x{args.size} int16 ({nbytes / 2**20:.0f} MiB), "
          f"median of {args.repeat} runs, each in a fresh process\n")
    print(f"{'method':<24} {'time s':>8} {'x vtkDICOM':>11} {'peak MiB':>9} {'peak / image':>13}")
    for method in METHODS:
        seconds = statistics.median(r["seconds"] for r in results[method])
        peak = statistics.median(r["peak"] for r in results[method])
        print(f"{method:<24} {seconds:8.3f} {seconds / reference:11.2f} {peak / 2**20:9.0f} "
              f"{peak / nbytes:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

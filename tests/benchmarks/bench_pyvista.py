"""PyVista benchmark: ``pv.read`` through sitkvtk costs what ``sitkvtk.read`` costs.

    .venv/bin/python tests/benchmarks/bench_pyvista.py [--size 512 512 400] [--repeat 3]

Writes an oblique int16 volume (default 512 x 512 x 400, 200 MB) as .nii, .nii.gz, .mha and
.nrrd, each in its own folder, then reads each file, in a fresh process per read: with
``sitkvtk.read``, with ``pv.read`` (reaching sitkvtk by its entry points), and with
``pv.read`` and PyVista's own VTK readers (entry points switched off through PyVista's
private registry flag: the "before" of installing sitkvtk). Prints the median time and the
peak memory above the RSS after the imports, as a multiple of the image.

Not part of the test run: it takes minutes and needs a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

FORMATS = (".nii", ".nii.gz", ".mha", ".nrrd")
METHODS = ("sitkvtk.read", "pv.read (sitkvtk)", "pv.read (PyVista alone)")

CHILD = r"""
import json, sys, time
import pyvista as pv
import sitkvtk
import sitkvtk.pyvista_io  # imported before the baseline, as sitkvtk is
from pyvista.core.utilities import reader_registry
method, path = sys.argv[1], sys.argv[2]
if method == "pv.read (PyVista alone)":
    reader_registry._entry_points_loaded = True  # no plugin readers: PyVista's own

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS")
start = time.perf_counter()
keep = sitkvtk.read(path) if method == "sitkvtk.read" else pv.read(path)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_above": status("VmHWM") - base,
                  "points": keep.GetNumberOfPoints()}))
"""


def _run(method: str, path: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, method, path], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _make_files(folder: str, size) -> dict[str, str]:
    import numpy as np
    import SimpleITK as sitk

    nx, ny, nz = size
    z, y, x = np.ogrid[:nz, :ny, :nx]
    volume = ((x * 7 + y * 3 + z * 11) % 2000 - 1000).astype(np.int16)
    image = sitk.GetImageFromArray(volume)
    image.SetSpacing((0.7, 0.7, 1.25))
    image.SetOrigin((-180.0, -170.0, 40.0))
    angle = 0.3
    image.SetDirection((np.cos(angle), -np.sin(angle), 0, np.sin(angle), np.cos(angle), 0, 0, 0, 1))
    paths = {}
    for ext in FORMATS:
        # One folder each: SimpleITK asked for x.nii.gz would read an x.nii beside it.
        sub = os.path.join(folder, ext.strip(".").replace(".", "_"))
        os.mkdir(sub)
        paths[ext] = os.path.join(sub, f"volume{ext}")
        sitk.WriteImage(image, paths[ext], useCompression=ext.endswith(".gz"))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=(512, 512, 400))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    image_bytes = 2 * args.size[0] * args.size[1] * args.size[2]

    with tempfile.TemporaryDirectory() as folder:
        paths = _make_files(folder, args.size)
        results: dict[tuple[str, str], list[dict]] = {}
        for _ in range(args.repeat):
            for ext, path in paths.items():
                for method in METHODS:
                    results.setdefault((ext, method), []).append(_run(method, path))

    def median(ext, method, key):
        runs = [r[key] for r in results[(ext, method)] if key in r]
        return statistics.median(runs) if runs else float("nan")

    print(f"# {args.size[0]}x{args.size[1]}x{args.size[2]} int16 ({image_bytes / 1e6:.0f} MB), oblique, "
          f"median of {args.repeat} runs, each in a fresh process")
    print()
    print("| format | method | time (s) | / sitkvtk.read | peak above imports (x image) |")
    print("| --- | --- | --- | --- | --- |")
    for ext in FORMATS:
        reference = median(ext, "sitkvtk.read", "seconds")
        for method in METHODS:
            t = median(ext, method, "seconds")
            peak = median(ext, method, "peak_above") / image_bytes
            errors = [r["error"] for r in results[(ext, method)] if "error" in r]
            note = f" (failed: {errors[0][:60]})" if errors else ""
            print(f"| {ext} | {method}{note} | {t:.3f} | {t / reference:.2f} | {peak:.2f} |")


if __name__ == "__main__":
    main()

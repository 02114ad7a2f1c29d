"""MRC benchmark: a map stored with its columns along z, read into x, y, z order by sitkvtk.

    .venv/bin/python tests/benchmarks/bench_mrc.py [--size 384 384 256] [--repeat 3]

Writes the same float32 map twice with mrcfile: in standard order (MAPC, MAPR, MAPS = 1, 2, 3)
and with columns along z, rows along x, sections along y (3, 1, 2), which SimpleITK 2.5 reads
with its axes swapped and sitkvtk reads itself, one section at a time into the output. Each read
runs in a fresh process; prints the median time and the peak memory (VmHWM above the RSS after
imports) as multiples of the map's size, for sitkvtk on both files and SimpleITK.ReadImage on
the standard one.
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
import SimpleITK as sitk, sitkvtk
method, path = sys.argv[1], sys.argv[2]

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS")
start = time.perf_counter()
keep = sitkvtk.read(path) if method == "sitkvtk" else sitk.ReadImage(path)
seconds = time.perf_counter() - start
print(json.dumps({"time": seconds, "peak": status("VmHWM") - base}))
"""


def _write(path, size, axes):
    import mrcfile
    import numpy as np

    nx, ny, nz = size
    counts = {(1, 2, 3): (nx, ny, nz), (3, 1, 2): (nz, nx, ny)}[axes]  # columns, rows, sections
    rng = np.random.default_rng(0)
    data = rng.standard_normal((counts[2], counts[1], counts[0])).astype(np.float32)
    with mrcfile.new(path, overwrite=True) as mrc_file:
        mrc_file.set_data(data)
        mrc_file.header.mapc, mrc_file.header.mapr, mrc_file.header.maps = axes
        mrc_file.header.mx, mrc_file.header.my, mrc_file.header.mz = nx, ny, nz
        mrc_file.voxel_size = (1.1, 1.2, 1.3)
    return data.nbytes


def _run(method, path):
    result = subprocess.run([sys.executable, "-c", CHILD, method, path], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=(384, 384, 256))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        standard = os.path.join(folder, "standard.mrc")
        permuted = os.path.join(folder, "permuted.mrc")
        nbytes = _write(standard, args.size, (1, 2, 3))
        _write(permuted, args.size, (3, 1, 2))
        print(f"map {tuple(args.size)} float32, {nbytes / 2**20:.0f} MiB; median of {args.repeat} runs")
        print("| file | reader | time (s) | peak (x map) |")
        print("| --- | --- | --- | --- |")
        for label, method, path in [
            ("MAPC 1 2 3", "simpleitk", standard),
            ("MAPC 1 2 3", "sitkvtk", standard),
            ("MAPC 3 1 2", "sitkvtk", permuted),
        ]:
            runs = [_run(method, path) for _ in range(args.repeat)]
            seconds = statistics.median(r["time"] for r in runs)
            peak = statistics.median(r["peak"] for r in runs) / nbytes
            print(f"| {label} | {method} | {seconds:.3f} | {peak:.2f} |")


if __name__ == "__main__":
    main()

"""Time-step benchmark: switching steps of a big 4-D file costs one volume's read.

    .venv/bin/python tests/benchmarks/bench_time.py [--size 256 256 128 64] [--repeat 3]

Writes a 4-D int16 file (default 256 x 256 x 128 x 64 = 1.07 GB) as .nii and .mha, and one
of its volumes as a 3-D file, then, each in a fresh process: reads one 3-D volume file;
opens the 4-D file and switches through 5 time steps with SimpleITKReader.UpdateTimeStep
(median per switch); and reads the whole 4-D file with sitk.ReadImage. Prints time and peak
memory (VmHWM above the RSS after imports) as multiples of one volume.
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
import json, statistics, sys, time
import numpy as np, SimpleITK as sitk, sitkvtk
method, path = sys.argv[1], sys.argv[2]

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = status("VmRSS")
times = []
if method == "volume-file":
    start = time.perf_counter(); keep = sitkvtk.read(path); times.append(time.perf_counter() - start)
elif method == "switch-steps":
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    steps = reader.GetTimeStepValues()
    for index in np.linspace(0, len(steps) - 1, 5).astype(int)[::-1]:
        start = time.perf_counter()
        reader.UpdateTimeStep(steps[index])
        times.append(time.perf_counter() - start)
elif method == "sitk-whole-4d":
    start = time.perf_counter(); keep = sitk.ReadImage(path); times.append(time.perf_counter() - start)
print(json.dumps({"seconds": statistics.median(times), "peak_above": status("VmHWM") - base}))
"""


def _run(method, path):
    result = subprocess.run([sys.executable, "-c", CHILD, method, path], capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=4, default=(256, 256, 128, 64))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import numpy as np
    import SimpleITK as sitk

    nx, ny, nz, nt = args.size
    volume_bytes = 2 * nx * ny * nz
    with tempfile.TemporaryDirectory() as folder:
        z, y, x = np.ogrid[:nz, :ny, :nx]
        volume = ((x + 3 * y + 7 * z) % 3000).astype(np.int16)
        paths = {}
        for ext in (".nii", ".mha"):
            path = os.path.join(folder, f"series4d{ext}")
            steps = np.empty((nt, nz, ny, nx), dtype=np.int16)
            for t in range(nt):
                steps[t] = volume + t
            image = sitk.GetImageFromArray(steps, isVector=False)
            del steps
            sitk.WriteImage(image, path)
            del image
            paths[ext] = path
            single = os.path.join(folder, f"volume{ext}")
            sitk.WriteImage(sitk.GetImageFromArray(volume), single)
            paths["3d" + ext] = single
        rows = {}
        for _ in range(args.repeat):
            for ext in (".nii", ".mha"):
                for method, path in (("volume-file", paths["3d" + ext]), ("switch-steps", paths[ext]),
                                     ("sitk-whole-4d", paths[ext])):
                    rows.setdefault((ext, method), []).append(_run(method, path))

    print(f"# 4-D int16 {nx}x{ny}x{nz}x{nt} ({volume_bytes * nt / 1e9:.2f} GB), one volume "
          f"{volume_bytes / 1e6:.0f} MB; median of {args.repeat} runs, each in a fresh process")
    print()
    print("| format | what | time (s) | time / one-volume file | peak above imports (x one volume) |")
    print("| --- | --- | --- | --- | --- |")
    for ext in (".nii", ".mha"):
        def med(method, key, ext=ext):
            values = [r[key] for r in rows[(ext, method)] if key in r]
            return statistics.median(values) if values else float("nan")
        base = med("volume-file", "seconds")
        for method, label in (("volume-file", "sitkvtk.read of a 3-D file of one volume"),
                              ("switch-steps", "SimpleITKReader.UpdateTimeStep, per switch"),
                              ("sitk-whole-4d", "sitk.ReadImage of the whole 4-D file")):
            t = med(method, "seconds")
            print(f"| {ext} | {label} | {t:.3f} | {t / base:.2f} | {med(method, 'peak_above') / volume_bytes:.2f} |")


if __name__ == "__main__":
    main()

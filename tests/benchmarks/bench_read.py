"""Read benchmark: sitkvtk against SimpleITK and VTK's own readers, on data like a scan.

    .venv/bin/python tests/benchmarks/bench_read.py [--size 512 512 400] [--repeat 5] [--data DIR]

Writes a CT-like int16 volume (default 512 x 512 x 400, 210 MB; gzip takes it to about
2:1; see scans.py) as .mha, .nii, .nii.gz, .nrrd and gzip .nrrd, each in its own folder
(kept in ``--data`` between runs), then times each way of reading it, each run in a
fresh child process after a warm-up read of a small file of the same format, the
methods interleaved and repeated; prints medians and ratios: wall time, and CPU time of all
the child's threads (steadier on a busy machine). Memory: peak (VmHWM) of the child above
its RSS before the read, as a multiple of the image's bytes.

Each SimpleITK read checks that it read the file it was named (bytes read through
read(), /proc/self/io): SimpleITK asked for x.nii.gz reads x.nii when that lies beside it.

Not part of the test run: it takes a few minutes and wants a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scans  # noqa: E402

CHILD = r"""
import json, os, resource, sys, time
method, path, warm = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, sys.argv[4])
import scans
import numpy as np
import SimpleITK as sitk
import sitkvtk
from vtkmodules.vtkIOImage import vtkMetaImageReader, vtkNIFTIImageReader, vtkNrrdReader

def status(field):
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would carry the parent's peak.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

def native(name):
    reader = {".mha": vtkMetaImageReader, ".nii": vtkNIFTIImageReader, ".gz": vtkNIFTIImageReader,
              ".nrrd": vtkNrrdReader}[os.path.splitext(name)[1]]()
    reader.SetFileName(name)
    reader.Update()
    if reader.GetErrorCode():
        raise RuntimeError("VTK's reader failed")
    return reader.GetOutput()

def fresh(name):
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(name)
    reader.UpdateInformation()
    return reader

def slice_of(reader, z):
    nx, ny, _ = reader.GetHeader().volume_size
    reader.UpdateExtent((0, nx - 1, 0, ny - 1, z, z))
    return reader.GetOutputDataObject(0)

def run(name):
    if method == "sitkvtk":
        return sitkvtk.read(name)
    if method == "SimpleITK.ReadImage":
        scans.alone_in_folder(name)
        before = scans.bytes_read()
        image = sitk.ReadImage(name)
        read = scans.bytes_read() - before
        size = os.path.getsize(name)
        if not size <= read <= 1.05 * size + (1 << 20):
            raise SystemExit(f"SimpleITK read {read} bytes for {name} ({size} bytes): another file?")
        return image
    if method == "VTK":
        return native(name)
    if method == "header":  # a fresh reader: RequestInformation alone
        return fresh(name)
    if method == "header+slice":  # a fresh reader: the header, then the middle slice
        reader = fresh(name)
        return slice_of(reader, reader.GetHeader().volume_size[2] // 2)

run(warm)  # imports, lazy modules and SimpleITK's factories loaded; the file itself not yet opened
result = {}
if method == "slices":  # through an open reader that has read the middle slice
    reader = fresh(path)
    nz = reader.GetHeader().volume_size[2]
    slice_of(reader, nz // 2)
    for label, z in [("behind", nz // 4), ("next", nz // 2 + 1), ("jump", nz - 1)]:
        start = time.perf_counter()
        slice_of(reader, z)
        result[label] = time.perf_counter() - start
else:
    try:  # reset the peak to now, so the imports' own peak does not count
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    base = status("VmRSS")
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    keep = run(path)
    result["seconds"] = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_SELF)  # every thread's CPU time: robust to a busy machine
    result["cpu"] = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    result["peak_above"] = max(status("VmHWM") - base, 0)
print(json.dumps(result))
"""

WHOLE = ["sitkvtk", "SimpleITK.ReadImage", "VTK"]
PARTS = ["header", "header+slice", "slices"]


def _run(method: str, path: str, warm: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, method, path, warm, HERE],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout or "failed").strip().splitlines()
        return {"error": lines[-1] if lines else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=(512, 512, 400))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", help="folder for the generated files (kept); default: a temporary one")
    parser.add_argument("--formats", nargs="*", default=list(scans.FORMATS))
    args = parser.parse_args()
    image_bytes = 2 * args.size[0] * args.size[1] * args.size[2]

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.data or temporary
        paths = scans.write_formats(folder, args.size, args.formats)
        warm = scans.write_formats(os.path.join(folder, "warm"), (64, 48, 16), args.formats)
        for path in paths.values():  # into the page cache: every method reads from memory
            with open(path, "rb") as stream:
                while stream.read(1 << 24):
                    pass
        results: dict[tuple[str, str], list[dict]] = {}
        load = os.getloadavg()[0]
        for _ in range(args.repeat):
            for name, path in paths.items():
                for method in WHOLE + PARTS:
                    results.setdefault((name, method), []).append(_run(method, path, warm[name]))

    load = f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after"

    def median(name, method, key):
        runs = [r[key] for r in results[(name, method)] if key in r]
        return statistics.median(runs) if runs else float("nan")

    def failed(name, method):
        errors = [r["error"] for r in results[(name, method)] if "error" in r]
        return f" (failed {len(errors)}x: {errors[0][:70]})" if errors else ""

    sizes = {name: os.path.getsize(path) for name, path in paths.items()} if args.data else {}
    print(f"# {args.size[0]}x{args.size[1]}x{args.size[2]} int16 ({image_bytes / 1e6:.0f} MB), "
          f"median of {args.repeat} runs, each in a fresh process after a warm-up read; {load}")
    if sizes:
        print("# file sizes (MB): " + ", ".join(f"{n} {s / 1e6:.0f}" for n, s in sizes.items()))
    print()
    print("| format | method | time (s) | / SimpleITK.ReadImage | / VTK's reader | CPU time (s) "
          "| CPU / SimpleITK's | peak (x image) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in paths:
        t_sitk = median(name, "SimpleITK.ReadImage", "seconds")
        t_vtk = median(name, "VTK", "seconds")
        c_sitk = median(name, "SimpleITK.ReadImage", "cpu")
        for method in WHOLE:
            t = median(name, method, "seconds")
            c = median(name, method, "cpu")
            peak = median(name, method, "peak_above") / image_bytes
            print(f"| {name} | {method}{failed(name, method)} | {t:.3f} | {t / t_sitk:.2f} | "
                  f"{t / t_vtk:.2f} | {c:.3f} | {c / c_sitk:.2f} | {peak:.2f} |")
    print()
    print("Whole read (sitkvtk) / part, and the part's time:")
    print()
    print("| format | header, fresh reader | header + middle slice, fresh reader | open reader: a slice behind "
          "| the next slice | the last slice |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in paths:
        whole = median(name, "sitkvtk", "seconds")
        cells = []
        for method, key in [("header", "seconds"), ("header+slice", "seconds"), ("slices", "behind"),
                            ("slices", "next"), ("slices", "jump")]:
            t = median(name, method, key)
            cells.append(f"{whole / t:.0f}x ({1000 * t:.1f} ms){failed(name, method)}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

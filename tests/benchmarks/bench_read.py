"""Read benchmark: sitkvtk against the other ways of getting a file into VTK.

    .venv/bin/python tests/benchmarks/bench_read.py [--size 512 512 400] [--repeat 3]

Generates an int16 volume (default 512 x 512 x 400, 200 MB) as .mha, .nii, .nii.gz
and .nrrd in a temporary folder, then times each way of reading it, each run in a
fresh child process (so every peak is that process's own), the methods interleaved
and repeated; prints medians and ratios. Memory: peak RSS of the child above its
RSS after the imports, as a multiple of the image's bytes.

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

CHILD = r"""
import json, os, sys, time
method, path, ext = sys.argv[1], sys.argv[2], sys.argv[3]
t_import = time.perf_counter()
if method == "import-sitkvtk":
    import sitkvtk
elif method == "import-deps":
    import SimpleITK, numpy
    from vtkmodules.util import numpy_support
    from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase
    import vtkmodules.vtkCommonDataModel, vtkmodules.vtkCommonExecutionModel
else:
    import numpy as np
    import SimpleITK as sitk
    import sitkvtk
    from vtkmodules.util import numpy_support
    from vtkmodules.vtkIOImage import vtkMetaImageReader, vtkNIFTIImageReader, vtkNrrdReader
t_import = time.perf_counter() - t_import

def status(field):
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would carry the parent's peak.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

def rss():
    return status("VmRSS")

try:  # reset the peak to now, so the imports' own peak does not count
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
except OSError:
    pass
if method in ("sitkvtk-slice", "sitkvtk-box64"):
    # Through the pipeline, as ParaView slices: the header was read when the file was opened.
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    nx, ny, nz = reader.GetHeader().volume_size
base = rss()
start = time.perf_counter()
keep = None
if method == "sitkvtk":
    keep = sitkvtk.read(path)
elif method == "sitk.ReadImage":
    keep = sitk.ReadImage(path)
elif method == "vtk-native":
    reader = {".mha": vtkMetaImageReader, ".nii": vtkNIFTIImageReader,
              ".nii.gz": vtkNIFTIImageReader, ".nrrd": vtkNrrdReader}[ext]()
    reader.SetFileName(path)
    reader.Update()
    keep = reader.GetOutput()
elif method == "copy-bridge":
    image = sitk.ReadImage(path)
    array = sitk.GetArrayFromImage(image).ravel()
    keep = numpy_support.numpy_to_vtk(array, deep=True)
elif method == "sitkvtk-slice":
    reader.UpdateExtent((0, nx - 1, 0, ny - 1, nz // 2, nz // 2))
elif method == "sitkvtk-box64":
    reader.UpdateExtent((nx // 2 - 32, nx // 2 + 31, ny // 2 - 32, ny // 2 + 31, nz // 2 - 32, nz // 2 + 31))
elif method == "sitkvtk-info":  # opening a file: RequestInformation alone
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
elapsed = time.perf_counter() - start
peak = status("VmHWM")
print(json.dumps({"seconds": elapsed, "peak_above": max(peak - base, 0), "import": t_import}))
"""

FORMATS = [f for f in os.environ.get("BENCH_FORMATS", ".mha .nii .nii.gz .nrrd").split()]
READS = ["sitkvtk", "sitk.ReadImage", "vtk-native", "copy-bridge"]
PARTS = ["sitkvtk-slice", "sitkvtk-box64", "sitkvtk-info"]


def _run(method: str, path: str, ext: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, method, path, ext], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
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
    paths = {}
    for ext in FORMATS:
        path = os.path.join(folder, f"volume{ext}")
        sitk.WriteImage(image, path, useCompression=ext.endswith(".gz"))
        paths[ext] = path
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
                for method in READS + PARTS:
                    results.setdefault((ext, method), []).append(_run(method, path, ext))
            for method in ("import-sitkvtk", "import-deps"):
                results.setdefault(("", method), []).append(_run(method, "", ""))

    def median(ext, method, key):
        runs = [r[key] for r in results[(ext, method)] if key in r]
        return statistics.median(runs) if runs else float("nan")

    print(f"# {args.size[0]}x{args.size[1]}x{args.size[2]} int16 ({image_bytes / 1e6:.0f} MB), "
          f"median of {args.repeat} runs, each in a fresh process")
    print()
    print("| format | method | time (s) | time / sitk.ReadImage | time / VTK's reader "
          "| peak above imports (x image) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for ext in FORMATS:
        t_sitk = median(ext, "sitk.ReadImage", "seconds")
        t_vtk = median(ext, "vtk-native", "seconds")
        for method in READS:
            t = median(ext, method, "seconds")
            peak = median(ext, method, "peak_above") / image_bytes
            errors = [r["error"] for r in results[(ext, method)] if "error" in r]
            note = f" (failed: {errors[0][:60]})" if errors else ""
            print(f"| {ext} | {method}{note} | {t:.3f} | {t / t_sitk:.2f} | {t / t_vtk:.2f} | {peak:.2f} |")
    print()
    print("| format | part | time (s) | whole read / part |")
    print("| --- | --- | --- | --- |")
    for ext in FORMATS:
        whole = median(ext, "sitkvtk", "seconds")
        for method in PARTS:
            t = median(ext, method, "seconds")
            print(f"| {ext} | {method} | {t:.4f} | {whole / t:.0f}x |")
    print()
    own = median("", "import-sitkvtk", "import")
    deps = median("", "import-deps", "import")
    print(f"import sitkvtk: {own:.3f} s; SimpleITK + numpy + the vtkmodules it needs: {deps:.3f} s "
          f"(ratio {own / deps:.2f})")


if __name__ == "__main__":
    main()

"""DICOM series benchmark: sitkvtk against SimpleITK's ImageSeriesReader and VTK's
vtkDICOMImageReader, uncompressed and compressed.

    .venv/bin/python tests/benchmarks/bench_dicom.py [--slices 300] [--size 512] [--repeat 3]
        [--syntaxes native JPEG2000 JPEGLS RLE] [--data DIR]

Writes int16 series (default 300 slices of 512 x 512, 150 MiB): uncompressed, and JPEG 2000
(SimpleITK's writer), JPEG-LS (pydicom with pyjpegls: `pip install pyjpegls`, else that row
is left out) and RLE (pydicom's encoder) lossless. A compressed series holds ten CT-like
slices (scans.py) encoded once and repeated with their own positions and UIDs: every file
costs a full decode, and the series is written in seconds. Then reads each whole series
with each method, each run in a fresh child process, the methods interleaved and repeated.
Prints the median wall time (the folder scan included) and the median peak memory above
the child's RSS after its imports, as MB and as a multiple of the image's bytes, and each
time as a ratio to the reference: vtkDICOMImageReader for the uncompressed series (it
decodes nothing else), SimpleITK's ImageSeriesReader for the compressed ones. Targets:
uncompressed no slower than vtkDICOMImageReader; compressed at most 0.6x SimpleITK's.

Not part of the test run (pytest collects test_*.py only): it takes a few minutes.
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
import json, resource, sys, time
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
cpu = resource.getrusage(resource.RUSAGE_SELF)
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
used = resource.getrusage(resource.RUSAGE_SELF)  # every thread's CPU time
cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": status("VmHWM") - base}))
"""

METHODS = ["vtkDICOMImageReader", "sitk.ImageSeriesReader", "sitkvtk", "sitkvtk 10 slices"]
COMPRESSED_METHODS = ["sitk.ImageSeriesReader", "sitkvtk"]
HERE = os.path.dirname(os.path.abspath(__file__))


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


def write_compressed(folder: str, syntax: str, slices: int, size: int, distinct: int = 10) -> int:
    """A ``syntax`` series of ``slices`` files: ``distinct`` CT-like slices encoded once, repeated
    with their own positions, instance numbers and UIDs."""
    import pydicom
    import SimpleITK as sitk
    from pydicom.uid import JPEGLSLossless, RLELossless

    sys.path.insert(0, HERE)
    import scans

    volume = scans.ct_volume((size, size, distinct))
    uid = "1.2.826.0.1.3680043.8.498.78"
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    if syntax == "JPEG2000":
        writer.SetUseCompression(True)
        writer.SetCompressor("JPEG2000")
    templates = []
    for k in range(distinct):
        image = sitk.GetImageFromArray(volume[k])
        image.SetSpacing((0.7, 0.7))
        for tag, value in [("0008|0060", "CT"), ("0020|000e", uid), ("0008|0016", "1.2.840.10008.5.1.4.1.1.2"),
                           ("0020|0037", "1\\0\\0\\0\\1\\0"), ("0020|0032", "-180\\-180\\0")]:
            image.SetMetaData(tag, value)
        path = os.path.join(folder, f"template{k}.dcm")
        writer.SetFileName(path)
        writer.Execute(image)
        ds = pydicom.dcmread(path)
        if syntax == "RLE":
            ds.compress(RLELossless, encoding_plugin="pydicom")
        elif syntax == "JPEGLS":
            ds.compress(JPEGLSLossless)  # needs pyjpegls
        templates.append(ds)
        os.remove(path)
    for k in range(slices):
        ds = templates[k % distinct]
        ds.ImagePositionPatient = [-180, -180, 1.25 * k]
        ds.InstanceNumber = k + 1
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = f"{uid}.{k + 1}"
        ds.save_as(os.path.join(folder, f"slice{k:04d}.dcm"))
    return slices * size * size * 2


def series(root: str, syntax: str, slices: int, size: int) -> tuple[str, int]:
    """The folder of the ``syntax`` series under ``root`` (written unless already there)."""
    folder = os.path.join(root, f"{syntax}-{slices}x{size}")
    nbytes = slices * size * size * 2
    if os.path.isdir(folder) and len(os.listdir(folder)) == slices:
        return folder, nbytes
    os.makedirs(folder, exist_ok=True)
    if syntax == "native":
        write_series(folder, slices, size)
    else:
        write_compressed(folder, syntax, slices, size)
    return folder, nbytes


def run(method: str, folder: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, method, folder], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--syntaxes", nargs="*", default=["native", "JPEG2000", "JPEGLS", "RLE"])
    parser.add_argument("--data", help="folder for the series (kept); default: a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        root = args.data or temporary
        for syntax in args.syntaxes:
            try:
                folder, nbytes = series(root, syntax, args.slices, args.size)
            except Exception as error:  # noqa: BLE001 - an encoder not installed: say so, go on
                print(f"{syntax}: not written ({error})\n")
                continue
            methods = METHODS if syntax == "native" else COMPRESSED_METHODS
            for method in methods:  # warm the page cache and the imports
                run(method, folder)
            results = {m: [] for m in methods}
            load = os.getloadavg()[0]
            for _ in range(args.repeat):
                for method in methods:
                    results[method].append(run(method, folder))
            load = f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after (2 cores)"
            reference = methods[0]
            base = statistics.median(r["seconds"] for r in results[reference])
            print(f"{syntax}: {args.slices} slices of {args.size}x{args.size} int16 ({nbytes / 2**20:.0f} MiB), "
                  f"median of {args.repeat} runs, each in a fresh process; {load}\n")
            print(f"| method | time (s) | / {reference} | CPU time (s) | peak (MiB) | peak / image |")
            print("| --- | --- | --- | --- | --- | --- |")
            for method in methods:
                seconds = statistics.median(r["seconds"] for r in results[method])
                cpu = statistics.median(r["cpu"] for r in results[method])
                peak = statistics.median(r["peak"] for r in results[method])
                print(f"| {method} | {seconds:.3f} | {seconds / base:.2f} | {cpu:.3f} | {peak / 2**20:.0f} "
                      f"| {peak / nbytes:.2f} |")
            print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

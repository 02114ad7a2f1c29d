"""MPI benchmark: what each rank reads, how long it takes and its peak memory.

    .venv/bin/python tests/benchmarks/bench_mpi.py [--size 1024 1024 256] [--format mha]
        [--ranks 1 2 3] [--repeat 2] [--keep DIR]

Writes an int16 volume (default 1024 x 1024 x 256, 512 MiB) in a streaming format
(.mha uncompressed or .nii), then for each number of ranks runs
``mpiexec -n N pvbatch --symmetric`` where every rank asks sitkvtk.SimpleITKReader for
piece ``rank`` of ``N`` (what ParaView's pipeline asks each rank's reader for) and
reports: its extent, bytes read from files while reading (``rchar`` of /proc/self/io:
what the process asked the kernel for, page cache or not; 0 for reads through a memory
map, as sitkvtk reads uncompressed NIfTI boxes), wall time of the read, peak RSS above
its RSS before the read (VmHWM, reset through /proc/self/clear_refs; it counts the
mapped file pages too) and the private memory held after the read (RssAnon).
Prints one table row per rank; the median over ``--repeat`` runs.

The file is read from the page cache after the first run (times are warm-cache times).
On a machine with fewer cores than ranks the ranks share cores (--oversubscribe), so
times grow with ranks while bytes and memory per rank still shrink.
Not part of the test run: it writes half a gigabyte and takes a minute or more.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json, os, sys, time
import paraview.simple  # noqa: F401  (pvbatch ranks exit cleanly only once it is loaded)
from vtkmodules.vtkParallelCore import vtkMultiProcessController
import sitkvtk

path, out = sys.argv[1], sys.argv[2]
controller = vtkMultiProcessController.GetGlobalController()
rank, ranks = controller.GetLocalProcessId(), controller.GetNumberOfProcesses()

def field(name, table="/proc/self/status"):
    with open(table) as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])

reader = sitkvtk.SimpleITKReader()
reader.SetFileName(path)
reader.UpdateInformation()  # the header, as ParaView reads it before any piece
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # peak RSS := RSS now
rss, anon, rchar = field("VmRSS") * 1024, field("RssAnon") * 1024, field("rchar", "/proc/self/io")
start = time.perf_counter()
reader.UpdatePiece(rank, ranks, 0)
seconds = time.perf_counter() - start
read = field("rchar", "/proc/self/io") - rchar
peak = field("VmHWM") * 1024 - rss
held = field("RssAnon") * 1024 - anon
image = reader.GetOutputDataObject(0)
assert reader.last_error is None, reader.last_error
with open(os.path.join(out, "rank%d.json" % rank), "w") as f:
    json.dump({"rank": rank, "ranks": ranks, "extent": list(image.GetExtent()),
               "points": image.GetNumberOfPoints(), "seconds": seconds, "read": read, "peak": peak,
               "held": held}, f)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "plugin"), str(ROOT / ".pvsite")])
    if os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def _make_volume(path: Path, size) -> int:
    import numpy as np
    import SimpleITK as sitk

    nx, ny, nz = size
    # Values that vary along every axis, so no file format can shrink them.
    slab = (np.arange(nx, dtype=np.int16)[None, :] + 7 * np.arange(ny, dtype=np.int16)[:, None])
    volume = np.empty((nz, ny, nx), dtype=np.int16)
    for k in range(nz):
        volume[k] = slab + 13 * k
    image = sitk.GetImageFromArray(volume)
    del volume
    image.SetSpacing((0.5, 0.5, 1.25))
    image.SetOrigin((-120.0, 80.5, -33.0))
    sitk.WriteImage(image, str(path), useCompression=False)
    return nx * ny * nz * 2


def _run(path: Path, ranks: int, folder: Path) -> list[dict]:
    out = folder / f"n{ranks}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    script = folder / "bench_mpi_child.py"
    script.write_text(CHILD)
    launcher = ["mpiexec", "--oversubscribe", "-n", str(ranks)]
    command = [*launcher, "pvbatch", "--symmetric", str(script), str(path), str(out)]
    result = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(ranks)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=[1024, 1024, 256])
    parser.add_argument("--format", choices=["mha", "nii"], default="mha")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", help="folder for the volume (kept); default a temporary one")
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="sitkvtk-bench-mpi-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"volume.{args.format}"
    nbytes = args.size[0] * args.size[1] * args.size[2] * 2
    if not path.exists():
        _make_volume(path, args.size)
    print(f"{path}: {' x '.join(map(str, args.size))} int16, {nbytes / 2**20:.0f} MiB of voxels, "
          f"{os.path.getsize(path) / 2**20:.0f} MiB on disk; {os.cpu_count()} cores")
    print(f"{'ranks':>5} {'rank':>4}  {'extent':<28} {'read MiB':>9} {'of image':>8} "
          f"{'time s':>7} {'peak MiB':>9} {'peak/image':>10} {'held MiB':>9}")
    try:
        for ranks in args.ranks:
            runs = [_run(path, ranks, folder) for _ in range(args.repeat)]
            for rank in range(ranks):
                rows = [run[rank] for run in runs]
                read = statistics.median(r["read"] for r in rows)
                seconds = statistics.median(r["seconds"] for r in rows)
                peak = statistics.median(r["peak"] for r in rows)
                held = statistics.median(r["held"] for r in rows)
                extent = " ".join(map(str, rows[0]["extent"]))
                print(f"{ranks:>5} {rank:>4}  {extent:<28} {read / 2**20:>9.1f} {read / nbytes:>8.2f} "
                      f"{seconds:>7.3f} {peak / 2**20:>9.1f} {peak / nbytes:>10.2f} {held / 2**20:>9.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

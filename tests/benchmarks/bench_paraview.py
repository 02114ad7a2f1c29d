"""ParaView end to end: from opening a file to the first rendered frame, in pvbatch.

    .venv/bin/python tests/benchmarks/bench_paraview.py [--size 512 512 400] [--repeat 3] [--data DIR]

The CT-like oblique volume of bench_read.py (scans.py, 210 MB int16, each format in its
own folder) is opened in a fresh pvbatch per run (pv_first_frame.py: the render window is
made first, then the clock runs from opening the file to the end of the first Render; the
read is the part up to the end of UpdatePipeline),
the cases interleaved and repeated; prints median time and median peak memory above the
process's RSS before opening, as a multiple of the image's bytes. Cases:

- ParaView's own MetaImage reader (what OpenDataFile picks for .mha; it drops the direction);
- the SimpleITK Reader in Image mode (direction matrix) for .mha, .nii, .nii.gz, .nrrd;
- the SimpleITK Reader's default for an oblique file (Auto: a structured grid of world points);
- OpenDataFile on .nii.gz (ParaView 5.11 has no reader of its own for it: the SimpleITK Reader, Auto).

Needs ParaView (pvbatch), xvfb-run and SimpleITK for ParaView's Python in .pvsite (tests/run.sh).
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
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import scans  # noqa: E402

IMAGE = "Image (direction matrix)"
GRID = "Structured grid (world points)"
CASES = [  # (label, format, reader)
    ("ParaView's MetaImage reader (OpenDataFile; direction dropped)", "mha", "OpenDataFile"),
    ("SimpleITK Reader, Image", "mha", IMAGE),
    ("SimpleITK Reader, Image", "nii", IMAGE),
    ("SimpleITK Reader, Image", "nii.gz", IMAGE),
    ("SimpleITK Reader, Image", "nrrd", IMAGE),
    ("SimpleITK Reader, Structured grid (the default for an oblique file)", "mha", GRID),
    ("OpenDataFile (SimpleITK Reader, Auto: structured grid)", "nii.gz", "OpenDataFile"),
]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "plugin"), os.path.join(ROOT, ".pvsite")])
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def _run(reader: str, path: str) -> dict:
    command = ["xvfb-run", "-a", "-s", "-noreset", "pvbatch", os.path.join(HERE, "pv_first_frame.py"),
               reader, path, os.path.join(ROOT, "plugin", "SimpleITKPlugin.py")]
    result = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600, check=False)
    for line in reversed(result.stdout.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    lines = (result.stderr or "failed").strip().splitlines()
    return {"error": lines[-1] if lines else "failed"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs=3, default=(512, 512, 400))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", help="folder for the generated files (kept); default: a temporary one")
    args = parser.parse_args()
    image_bytes = 2 * args.size[0] * args.size[1] * args.size[2]
    with tempfile.TemporaryDirectory() as temporary:
        paths = scans.write_formats(args.data or temporary, args.size, sorted({c[1] for c in CASES}))
        results: dict[int, list[dict]] = {}
        load = os.getloadavg()[0]
        for _ in range(args.repeat):
            for number, (_label, name, reader) in enumerate(CASES):
                results.setdefault(number, []).append(_run(reader, paths[name]))
    print(f"# {args.size[0]}x{args.size[1]}x{args.size[2]} int16 ({image_bytes / 1e6:.0f} MB), oblique, "
          f"median of {args.repeat} runs, each in a fresh pvbatch; load average {load:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after")
    print()
    print("| format | reader | output | time to first frame (s) | of which the read (s) | peak (x image) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for number, (label, name, _reader) in enumerate(CASES):
        runs = [r for r in results[number] if "seconds" in r]
        errors = [r["error"] for r in results[number] if "error" in r]
        if not runs:
            print(f"| {name} | {label} | failed: {errors[0][:80]} | | |")
            continue
        seconds = statistics.median(r["seconds"] for r in runs)
        read = statistics.median(r["read"] for r in runs)
        peak = statistics.median(r["peak_above"] for r in runs) / image_bytes
        output = f"{runs[0]['data']} ({runs[0]['representation'].strip(chr(39))})"
        print(f"| {name} | {label} | {output} | {seconds:.2f} | {read:.2f} | {peak:.2f} |")


if __name__ == "__main__":
    main()

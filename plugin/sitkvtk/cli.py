"""The ``sitkvtk`` command: info, convert, render (with no PATH, the embedded sample), and
``paraview install / uninstall / status / path``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import progress
from .errors import ReadError
from .sample import sample_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sitkvtk",
        description="Read any image SimpleITK reads into VTK, in the right place in physical space.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    info = commands.add_parser("info", help="print size, geometry, pixel type and metadata")
    info.add_argument("path", nargs="?", help="image file or DICOM folder (default: the embedded sample)")
    info.add_argument("--ras", action="store_true", help="print world geometry in RAS, not LPS")
    info.add_argument("--json", action="store_true", help="print one JSON object, for scripts")

    convert = commands.add_parser("convert", help="convert to any SimpleITK format or .vti")
    convert.add_argument("input")
    convert.add_argument("output", help="output file; its extension picks the format")
    convert.add_argument("--force", action="store_true", help="overwrite an existing output")

    render = commands.add_parser(
        "render", help="the three centre slices to a PNG: in 3-D, and face-on with orientation letters and a scale"
    )
    render.add_argument("path", nargs="?", help="image file or DICOM folder (default: the embedded sample)")
    render.add_argument("-o", "--output", default="sitkvtk-render.png", help="PNG to write")
    render.add_argument("--size", type=int, nargs=2, default=(900, 700), metavar=("W", "H"))
    render.add_argument("--ras", action="store_true", help="world coordinates in RAS, not LPS")

    paraview = commands.add_parser("paraview", help="set ParaView up to load the SimpleITK plugin")
    actions = paraview.add_subparsers(dest="action", required=True)
    for action, text in (
        ("install", "install SimpleITK and sitkvtk for ParaView's Python; the GUI auto-loads the plugin"),
        ("uninstall", "remove exactly what install added"),
        ("status", "say what is in place and what is missing"),
        ("path", "print the plugin file's path (for LoadPlugin)"),
    ):
        sub = actions.add_parser(action, help=text, description=text)
        sub.add_argument("--pvpython", metavar="PATH", help="ParaView's pvpython (default: pvpython on PATH)")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sitkvtk")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    bar = _Bar()
    try:
        with progress.listening(bar):
            if args.command == "info":
                return _info(args.path or str(sample_path()), "RAS" if args.ras else "LPS", args.json)
            if args.command == "convert":
                return _convert(args.input, args.output, args.force, bar)
            if args.command == "render":
                return _render(args.path or str(sample_path()), args.output, tuple(args.size), bar,
                               "RAS" if args.ras else "LPS")
            if args.command == "paraview":
                return _paraview(args.action, args.pvpython)
    except (ReadError, OSError, ValueError) as error:
        bar.close()
        print(f"sitkvtk {args.command}: {error}", file=sys.stderr)
        return 1
    finally:
        bar.close()
    return 2


class _Bar:
    """One tqdm bar on stderr per phase ("scanning" a DICOM folder, "reading"); tqdm shows
    nothing when stderr is not a terminal. A ``progress`` listener, and a VTK observer."""

    def __init__(self):
        self._bar = None
        self._what = None

    def __call__(self, what: str, done: int, total: int) -> None:
        if what != self._what:
            from tqdm import tqdm

            self.close()
            unit = "%" if what == "reading" else "file"
            self._bar = tqdm(total=total, desc=what, unit=unit, file=sys.stderr, disable=None, leave=False)
            self._what = what
        self._bar.update(done - self._bar.n)

    def observe(self, caller, _event) -> None:
        """VTK's ProgressEvent of a reader."""
        self("reading", round(100 * caller.GetProgress()), 100)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = self._what = None


def _info(path: str, coordinate_system: str, as_json: bool = False) -> int:
    from .sources.dispatch import open_source

    header = open_source(path).header  # a file, or a DICOM folder (its series with the most slices)
    spacing, origin, direction = header.world_geometry(coordinate_system)
    if as_json:
        print(json.dumps({
            "file": path,
            "format": header.io_name,
            "size": list(header.size),
            "pixel_type": header.pixel_type,
            "components": header.components,
            "coordinate_system": coordinate_system,
            "spacing": [float(v) for v in header.spacing],
            "origin": [float(v) for v in origin],
            "direction": [[float(v) for v in row] for row in direction],
            "time_steps": header.time_steps,
            "time_values": [float(t) for t in header.time_values()] if header.time_steps > 1 else [],
            "metadata": dict(header.metadata),
        }, indent=1))
        return 0
    fmt = lambda values: " ".join(f"{v:g}" for v in values)  # noqa: E731
    print(f"file:        {path}")
    print(f"format:      {header.io_name}")
    print(f"size:        {' x '.join(map(str, header.size))}")
    print(f"pixel type:  {header.pixel_type}")
    print(f"components:  {header.components}")
    print(f"spacing:     {fmt(header.spacing)}")
    print(f"origin:      {fmt(origin)}  ({coordinate_system}, mm)")
    print(f"direction:   {fmt(direction[0])}")
    print(f"             {fmt(direction[1])}")
    print(f"             {fmt(direction[2])}")
    if header.time_steps > 1:
        times = header.time_values()
        print(f"time steps:  {header.time_steps} ({times[0]:g} to {times[-1]:g})")
    print(f"metadata:    {len(header.metadata)} keys")
    for key in sorted(header.metadata):
        value = header.metadata[key].replace("\n", " ")
        print(f"  {key} = {value[:100]}")
    return 0


def _convert(source: str, target: str, force: bool, bar: _Bar) -> int:
    # checked before reading, so a refusal costs nothing
    if os.path.lexists(target) and not force:
        raise OSError(f"{target}: exists; use --force to overwrite")
    from vtkmodules.vtkCommonCore import vtkCommand

    from .api import write
    from .reader import SimpleITKReader

    reader = SimpleITKReader()
    reader.SetFileName(source)
    reader.SetReportErrors(False)  # the exception says it, once
    executive = reader.GetExecutive()
    executive.AddObserver(vtkCommand.ErrorEvent, lambda *_: None)
    reader.UpdateInformation()
    if reader.last_error is None:
        steps = len(reader.GetTimeStepValues() or ())
        if steps > 1:
            raise ValueError(f"{source}: has {steps} time steps; convert writes one 3-D volume")
        reader.AddObserver(vtkCommand.ProgressEvent, bar.observe)
        reader.Update()
    if reader.last_error is not None:
        raise reader.last_error
    bar.close()
    write(reader.GetOutputDataObject(0), target, force=force)
    print(f"wrote {target}")
    return 0


def _render(path: str, output: str, size: tuple[int, int], bar: _Bar, coordinate_system: str = "LPS") -> int:
    from .render import render_slices

    drawn = render_slices(path, output, size, progress=bar.observe, coordinate_system=coordinate_system)
    bar.close()
    print(f"window {drawn['window']:g}, level {drawn['level']:g} (from the {drawn['window_from']})")
    print(f"wrote {os.path.abspath(output)}")
    return 0


def _paraview(action: str, pvpython: str | None) -> int:
    from .paraview import PLUGIN_FILE
    from .paraview import install as setup
    from .paraview.probe import find_pvpython, probe

    installed = setup.installed_targets()
    if action == "uninstall" and not pvpython:
        setup.uninstall(installed)
        return 0
    if action == "path" and not pvpython and len(installed) <= 1:
        return _print_plugin(setup.plugin_file(installed[0]) if installed else None, PLUGIN_FILE)
    pv = probe(find_pvpython(pvpython))
    target = setup.target_dir(pv.python)
    if action == "install":
        setup.install(pv)
        return 0
    if action == "status":
        return 0 if setup.status(pv) else 1
    if action == "uninstall":
        setup.uninstall([t for t in installed if t == target])
        return 0
    return _print_plugin(setup.plugin_file(target) if target in installed else None, PLUGIN_FILE)


def _print_plugin(installed: str | None, packaged: str) -> int:
    if installed is None:
        print("sitkvtk paraview path: not installed for ParaView; this is the package's own file, which needs "
              "SimpleITK and sitkvtk in ParaView's Python: run `sitkvtk paraview install`", file=sys.stderr)
    print(installed or packaged)
    return 0


if __name__ == "__main__":
    sys.exit(main())

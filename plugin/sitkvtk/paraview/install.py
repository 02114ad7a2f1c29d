"""``sitkvtk paraview install / uninstall / status``: set a ParaView up to load the plugin.

For the ParaView whose pvpython is given (see ``probe``), per user, with no environment
variable for the user to set:

- SimpleITK and a copy of this sitkvtk go in ``<data home>/sitkvtk/paraview-python<X.Y>``
  (``~/.local/share`` unless ``XDG_DATA_HOME``), built for that ParaView's Python;
- one ``sitkvtk-paraview.pth`` in that Python's user site-packages puts the folder on
  ``sys.path`` (pvpython, pvbatch, every MPI rank and the GUI read it at start-up) and imports
  what ``startup`` writes there: the getargspec fix where ParaView needs it, and the auto-load
  of pvpython and pvbatch;
- the GUI's settings auto-load the plugin (``gui_settings``).

``manifest.json`` in the folder records every file and folder made and every settings entry
written, so ``uninstall`` removes exactly those and leaves the rest as it found it.
"""

from __future__ import annotations

import filecmp
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys

from . import gui_settings
from .probe import ParaView
from .startup import AUTOLOAD_MODULE, FIX_MODULE, PTH_NAME, startup_files

PLUGIN_NAME = "SimpleITKPlugin"
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


class SetupError(OSError):
    """A step that could not be done; the message says how to do it by hand."""


def installs_home() -> str:
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(data, "sitkvtk")


def target_dir(python: tuple[int, int]) -> str:
    return os.path.join(installs_home(), "paraview-python{}.{}".format(*python))


def plugin_file(target: str) -> str:
    """The plugin file of the copy of sitkvtk installed in ``target``."""
    return os.path.join(target, "sitkvtk", "paraview", f"{PLUGIN_NAME}.py")


def installed_targets() -> list[str]:
    home = installs_home()
    names = sorted(os.listdir(home)) if os.path.isdir(home) else []
    return [os.path.join(home, n) for n in names if os.path.isfile(os.path.join(home, n, "manifest.json"))]


def _load_manifest(target: str) -> dict:
    path = os.path.join(target, "manifest.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {"created_dirs": [], "files": [], "gui": []}


def _save_manifest(target: str, manifest: dict) -> None:
    with open(os.path.join(target, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)


def _makedirs(path: str, manifest: dict) -> None:
    """Make ``path`` and its missing parents, each one recorded (outermost first)."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for folder in reversed(missing):
        os.mkdir(folder)
        manifest["created_dirs"].append(folder)


def _simpleitk(pv: ParaView, target: str, say) -> None:
    if pv.simpleitk and not pv.simpleitk.startswith(target + os.sep):
        say(f"SimpleITK: ParaView's Python has it already ({os.path.dirname(pv.simpleitk)})")
        return
    _distribution(pv, target, say, "SimpleITK")


def _isal(pv: ParaView, target: str, say) -> None:
    """ISA-L for .nii.gz (sitkvtk inflates with zlib without it): wanted, not needed."""
    try:
        _distribution(pv, target, say, "isal")
    except SetupError as error:
        say(f"isal: not installed ({error}); .nii.gz files inflate through zlib, more slowly")


def _distribution(pv: ParaView, target: str, say, name: str) -> None:
    """This Python's version of distribution ``name`` in ``target``, for ParaView's Python."""
    version = importlib.metadata.version(name)
    prefix = name.lower()
    have = {d.lower() for d in os.listdir(target) if d.lower().startswith(prefix)}
    dist = importlib.metadata.distribution(name)
    tops = {f.parts[0].lower() for f in dist.files or [] if not f.parts[0].endswith(".dist-info")}
    if have and have == {t for t in tops if t.startswith(prefix)} | {f"{prefix}-{version}.dist-info"}:
        say(f"{name} {version}: in place")
        return
    for entry in os.listdir(target):  # another version's files
        if entry.lower().startswith(prefix):
            shutil.rmtree(os.path.join(target, entry))
    if pv.python == sys.version_info[:2]:
        # This Python's own copy is built for ParaView's too: copy it, no download.
        for file in dist.files or []:
            if file.parts[0].lower().startswith(prefix) and "__pycache__" not in file.parts:
                destination = os.path.join(target, *file.parts)
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                shutil.copy2(file.locate(), destination)
        say(f"{name} {version}: copied from {dist.locate_file('')} (same Python {pv.python_text})")
        return
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary=:all:",
               "--python-version", pv.python_text, "--target", target, f"{name}=={version}"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"{name} for Python {pv.python_text}: pip failed ({result.stderr.strip()[-300:]}); "
                         f"by hand: {' '.join(command)}")
    say(f"{name} {version}: installed for Python {pv.python_text} from PyPI")


def _same_tree(a: str, b: str) -> bool:
    compare = filecmp.dircmp(a, b, ignore=["__pycache__"])
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, compare.common_files, shallow=False)
    return not mismatch and not errors and all(_same_tree(os.path.join(a, d), os.path.join(b, d))
                                               for d in compare.common_dirs)


def _sitkvtk(target: str, say) -> None:
    copy = os.path.join(target, "sitkvtk")
    if os.path.isdir(copy) and _same_tree(_PACKAGE, copy):
        say(f"sitkvtk: in place ({copy})")
        return
    if os.path.isdir(copy):
        shutil.rmtree(copy)
    shutil.copytree(_PACKAGE, copy, ignore=_SKIP)
    say(f"sitkvtk: copied from {_PACKAGE} to {copy}")


def _write_if_changed(path: str, text: str, manifest: dict, what: str, say) -> None:
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                say(f"{what}: in place ({path})")
                return
    elif path not in manifest["files"]:
        manifest["files"].append(path)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    say(f"{what}: wrote {path}")


def _gui(pv: ParaView, plugin: str, manifest: dict, say) -> None:
    by_hand = f"in the GUI, Tools > Manage Plugins > Load New > {plugin}, and tick Auto Load"
    if pv.gui is None:
        say(f"GUI: no paraview program beside {pv.pvpython}; {by_hand}")
        return
    if not (5, 11) <= pv.version[:2] < (7, 0):
        say(f"GUI: ParaView {pv.version_text}'s plugin list is known for 5.11 to 6.x only; if File > Open "
            f"lacks the SimpleITK Reader, {by_hand}")
    path = gui_settings.settings_file(pv.version)
    try:
        key = gui_settings.plugins_key(pv.gui)
    except ValueError as error:
        say(f"GUI: {error}: {by_hand}")
        return
    text = None
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
    if text is not None and gui_settings.registered(text, key, PLUGIN_NAME, plugin):
        say(f"GUI: auto-loads the plugin already ({path})")
        return
    written = gui_settings.with_plugin(text or "", key, PLUGIN_NAME, plugin)
    record = next((r for r in manifest["gui"] if r["file"] == path and r["key"] == key), None)
    if record is None:
        manifest["gui"].append({"file": path, "key": key, "original": text, "written": written})
    else:
        record["written"] = written
    _makedirs(os.path.dirname(path), manifest)
    with open(path, "w", encoding="utf-8") as f:
        f.write(written)
    say(f"GUI: {pv.gui} auto-loads the plugin ({path}); restart it if it is open")


def install(pv: ParaView, say=print) -> str:
    """Set ``pv`` up; returns the plugin file to load in pvpython / pvbatch."""
    say(f"ParaView {pv.version_text}, Python {pv.python_text} ({pv.pvpython})")
    target = target_dir(pv.python)
    plugin = plugin_file(target)
    if not pv.user_site_enabled:
        raise SetupError(f"{pv.pvpython}: its Python does not read per-user packages; by hand: install SimpleITK "
                         f"and sitkvtk where it reads packages, or start ParaView with PYTHONPATH=<that folder>")
    manifest = _load_manifest(target)
    try:
        _makedirs(target, manifest)
        _save_manifest(target, manifest)  # from here on, uninstall can undo what was done
        _simpleitk(pv, target, say)
        _isal(pv, target, say)
        _sitkvtk(target, say)
        files, pth = startup_files(target, pv.needs_getargspec_fix)
        for path, text in files.items():  # inside target: uninstall removes the folder
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        if pv.needs_getargspec_fix:
            say(f"ParaView {pv.version_text} on Python {pv.python_text} needs inspect.getargspec: "
                f"{os.path.join(target, FIX_MODULE + '.py')}")
        _makedirs(pv.user_site, manifest)
        _write_if_changed(os.path.join(pv.user_site, PTH_NAME), pth, manifest, "start-up file", say)
        _gui(pv, plugin, manifest, say)
    except OSError as error:
        if isinstance(error, SetupError):
            raise
        raise SetupError(f"{error}; by hand: see the README's ParaView set-up") from error
    finally:
        if os.path.isdir(target):
            _save_manifest(target, manifest)
    say(f"pvpython / pvbatch: the plugin loads by itself; by hand: LoadPlugin(\"{plugin}\", ns=globals())")
    return plugin


def uninstall(targets: list[str], say=print) -> None:
    """Undo the installs in ``targets``: exactly what their manifests record."""
    if not targets:
        say("nothing installed")
    for target in targets:
        manifest = _load_manifest(target)
        for record in manifest["gui"]:
            _unregister(record, say)
        for path in manifest["files"]:
            if os.path.lexists(path):
                os.remove(path)
                say(f"removed {path}")
        shutil.rmtree(target)
        say(f"removed {target}")
        for folder in reversed(manifest["created_dirs"]):
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)


def _unregister(record: dict, say) -> None:
    path = record["file"]
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text == record["written"]:  # untouched since: back to what it was
        restored = record["original"]
    else:  # the GUI rewrote it: take out the one entry
        restored = gui_settings.without_plugin(text, record["key"], PLUGIN_NAME)
    if restored is None:
        os.remove(path)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(restored)
    say(f"GUI: no longer auto-loads the plugin ({path}); an open GUI writes its list back when it exits, "
        "so close it first")


def status(pv: ParaView, say=print) -> bool:
    """Say what is in place and what is missing; True when everything is."""
    target = target_dir(pv.python)
    plugin = plugin_file(target)
    say(f"ParaView {pv.version_text}, Python {pv.python_text} ({pv.pvpython})")
    checks = [
        ("SimpleITK for ParaView's Python", pv.simpleitk is not None, pv.simpleitk or "sitkvtk paraview install"),
        ("sitkvtk copy", os.path.isdir(os.path.dirname(os.path.dirname(plugin)))
         and _same_tree(_PACKAGE, os.path.dirname(os.path.dirname(plugin))), os.path.join(target, "sitkvtk")),
        ("plugin file", os.path.isfile(plugin), plugin),
    ]
    pth = os.path.join(pv.user_site, PTH_NAME)
    checks.append(("start-up file", os.path.isfile(pth), pth))
    if pv.needs_getargspec_fix:
        fix = os.path.join(target, f"{FIX_MODULE}.py")
        checks.append(("getargspec fix (5.11, Python >= 3.11)", os.path.isfile(fix), fix))
    autoload = os.path.join(target, f"{AUTOLOAD_MODULE}.py")
    checks.append(("pvpython / pvbatch auto-load", os.path.isfile(autoload), autoload))
    if pv.gui is not None:
        path = gui_settings.settings_file(pv.version)
        text = open(path, encoding="utf-8").read() if os.path.isfile(path) else ""
        checks.append((f"GUI auto-load ({pv.gui})", gui_settings.registered(text, gui_settings.plugins_key(pv.gui),
                                                                PLUGIN_NAME, plugin), path))
    for what, ok, where in checks:
        say(f"{'ok     ' if ok else 'missing'}  {what}: {where}")
    if not all(ok for _, ok, _ in checks):
        say("run `sitkvtk paraview install` to put what is missing in place")
    return all(ok for _, ok, _ in checks)

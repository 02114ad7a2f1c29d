"""What a ParaView is, asked of its own pvpython: versions, where its Python reads per-user
packages, and whether it needs 5.11's getargspec fix.

The answer comes from running pvpython, not from names or paths, so Debian's packages and
Kitware's binaries (their own Python) are read the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass

# Run by pvpython. Imports nothing of sitkvtk: that Python may not have it yet.
_PROBE = r"""
import importlib.util, inspect, json, os, site, sys
# Python's own, not one a fix added (the fix runs as module sitkvtk_getargspec)
added_by = getattr(getattr(inspect, "getargspec", None), "__module__", "sitkvtk_getargspec")
python_has_it = added_by != "sitkvtk_getargspec"
algorithms = importlib.util.find_spec("paraview.detail.pythonalgorithm")
with open(algorithms.origin, encoding="utf-8") as f:
    # ParaView 5.11 imports inspect.getargspec, gone from Python 3.11: detected, not assumed.
    needs_fix = "getargspec" in f.read() and not python_has_it
from paraview.modules.vtkRemotingServerManager import vtkSMProxyManager as pm
simpleitk = importlib.util.find_spec("SimpleITK")
try:  # the GUI beside this very program (Debian's /usr/bin, Kitware's bin/), as ParaView sees it
    gui = os.path.realpath(os.path.join(os.path.dirname(os.readlink("/proc/self/exe")), "paraview"))
    gui = gui if os.path.isfile(gui) else None
except OSError:
    gui = ""  # no /proc: the caller looks beside the pvpython it ran
print("SITKVTK_PROBE " + json.dumps({
    "paraview": [pm.GetVersionMajor(), pm.GetVersionMinor(), pm.GetVersionPatch()],
    "python": list(sys.version_info[:2]),
    "user_site": site.getusersitepackages(),
    "user_site_enabled": bool(site.ENABLE_USER_SITE),
    "needs_getargspec_fix": needs_fix,
    "simpleitk": simpleitk.origin if simpleitk else None,
    "gui": gui,
}))
"""


class ParaViewNotFound(OSError):
    """No pvpython, or one that does not answer like ParaView's."""


@dataclass(frozen=True)
class ParaView:
    pvpython: str
    version: tuple[int, int, int]
    python: tuple[int, int]
    user_site: str
    user_site_enabled: bool
    needs_getargspec_fix: bool
    simpleitk: str | None  # where its Python finds SimpleITK, if it does
    gui_seen: str | None = ""  # the GUI program pvpython found beside itself ("": it could not look)

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def python_text(self) -> str:
        return "{}.{}".format(*self.python)

    @property
    def gui(self) -> str | None:
        """The GUI program installed beside pvpython (Debian's /usr/bin, Kitware's bin/)."""
        if self.gui_seen != "":
            return self.gui_seen
        path = os.path.join(os.path.dirname(os.path.realpath(self.pvpython)), "paraview")
        return os.path.realpath(path) if os.path.isfile(path) else None


def find_pvpython(given: str | None = None) -> str:
    """``given``, or pvpython on PATH."""
    path = shutil.which(given) if given else shutil.which("pvpython")
    if path is None:
        where = given or "pvpython on PATH"
        raise ParaViewNotFound(
            f"{where}: not found; give ParaView's with --pvpython /path/to/ParaView/bin/pvpython"
        )
    return os.path.abspath(path)


def probe(pvpython: str, timeout: float = 120) -> ParaView:
    """Run ``pvpython`` once and read what it says about itself."""
    # Nothing of this Python's environment: pvpython must answer for itself.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["SITKVTK_PARAVIEW_AUTOLOAD"] = "0"  # an installed plugin stays out of the answer
    try:
        result = subprocess.run([pvpython, "-c", _PROBE], capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ParaViewNotFound(f"{pvpython}: could not run it ({error})") from error
    for line in result.stdout.splitlines():
        if line.startswith("SITKVTK_PROBE "):
            facts = json.loads(line.split(" ", 1)[1])
            return ParaView(
                pvpython=pvpython,
                version=tuple(facts["paraview"]),
                python=tuple(facts["python"]),
                user_site=facts["user_site"],
                user_site_enabled=facts["user_site_enabled"],
                needs_getargspec_fix=facts["needs_getargspec_fix"],
                simpleitk=facts["simpleitk"],
                gui_seen=facts.get("gui", ""),
            )
    last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
    raise ParaViewNotFound(f"{pvpython}: does not answer like ParaView's pvpython ({last[0]})")

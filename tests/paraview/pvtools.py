"""Running ParaView's programs from the tests: find them, and give them the README's set-up.

The ParaView tests run against every ParaView found (tests/paraview/conftest.py parametrizes
them): the machine's own, and the other Debian release's in a chroot that
tests/paraview/other_release.sh builds and reaches through wrapper scripts in ``.pvother/bin``
(pvbatch, pvpython, paraview, mpiexec, xvfb-run, each entering the chroot with the clone and
/tmp at the same paths). :func:`tool` and :func:`pv_env` answer for the ParaView of the test
that is running (:data:`CURRENT`).

A missing program fails the test in CI (which must run the ParaView tests) and skips it
on a machine without ParaView.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OTHER = ROOT / ".pvother"  # written by tests/paraview/other_release.sh


@dataclass(frozen=True)
class ParaView:
    """One ParaView installation: its programs, and where SimpleITK is for its Python."""

    where: str  # "machine" (on PATH) or "chroot" (wrappers in .pvother/bin)
    version: str  # "5.11.0"; "" when there is none
    site: str  # the folder with SimpleITK for that ParaView's Python
    bin: str = ""  # folder of the wrappers; "" for PATH
    label: str = ""
    missing: str = ""  # why it cannot run (in CI: the tests fail with this)

    @property
    def id(self) -> str:
        return f"pv{self.version}" if self.version else f"pv-{self.where}-missing"

    def tool(self, name: str) -> str:
        """The path of ``name`` (pvbatch, pvpython, paraview, mpiexec, xvfb-run)."""
        if self.missing:
            _unavailable(self.missing)
        path = shutil.which(name, path=self.bin or None)
        if path is None:
            _unavailable(f"{name} is not installed")
        return path

    def env(self) -> dict[str, str]:
        """The one line of set-up the README documents, and nothing from the test venv."""
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "plugin"), self.site])
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        return env


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run the ParaView tests")
    pytest.skip(reason)


def _version(pvpython: str) -> str:
    try:
        result = subprocess.run([pvpython, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    found = re.search(r"paraview version (\S+)", result.stdout + result.stderr)
    return found.group(1) if found else ""


def _release() -> str:
    try:
        fields = dict(line.strip().split("=", 1) for line in open("/etc/os-release") if "=" in line)
    except OSError:
        return ""
    return fields.get("PRETTY_NAME", "").strip('"')


_FOUND: list[ParaView] | None = None


def installations() -> list[ParaView]:
    """Every ParaView the tests run against, the machine's first (found once per run)."""
    global _FOUND
    if _FOUND is not None:
        return _FOUND
    found = []
    pvpython = shutil.which("pvpython")
    if pvpython:
        version = _version(pvpython)
        found.append(ParaView("machine", version or "unknown", str(ROOT / ".pvsite"),
                              label=f"this machine ({_release()}), {os.path.dirname(pvpython)}"))
    if (OTHER / "bin" / "pvpython").exists():
        version = _version(str(OTHER / "bin" / "pvpython"))
        codename = (OTHER / "codename").read_text().strip() if (OTHER / "codename").exists() else "?"
        site = (OTHER / "site").read_text().strip() if (OTHER / "site").exists() else ""
        found.append(ParaView("chroot", version, site, bin=str(OTHER / "bin"),
                              label=f"Debian {codename} in a chroot (tests/paraview/other_release.sh)",
                              missing="" if version else f"{OTHER / 'bin' / 'pvpython'} does not run"))
    elif os.environ.get("CI"):
        found.append(ParaView("chroot", "", "", missing="the other Debian release's ParaView is missing "
                              "(tests/run.sh runs tests/paraview/other_release.sh to build it)"))
    if not found:
        found.append(ParaView("machine", "", "", missing="pvpython is not installed"))
    _FOUND = found
    return found


#: The ParaView of the test that is running (set by the ``paraview`` fixture of conftest.py).
CURRENT: ParaView | None = None


def current() -> ParaView:
    return CURRENT if CURRENT is not None else installations()[0]


def tool(name: str) -> str:
    """The path of ``name`` (pvbatch, pvpython, paraview, mpiexec, xvfb-run) of the current ParaView."""
    return current().tool(name)


def pv_env() -> dict[str, str]:
    """The one line of set-up the README documents, for the current ParaView."""
    return current().env()


def version() -> tuple[int, ...]:
    """The current ParaView's version, (5, 11, 0)."""
    return tuple(int(part) for part in re.findall(r"\d+", current().version)[:3])


#: What VTK prints before it aborts when its X connection breaks. Seen with ParaView 5.11 under
#: plain ``xvfb-run -a``: Xvfb resets when the first client (xauth, or a probe) disconnects, and a
#: program connecting then loses its connection; ``-noreset`` removes that (0 of 8 runs failed
#: with it, 3 of 6 without).
X_BROKEN = "bad X server connection"


def xvfb(*command: str) -> list[str]:
    """``command`` on a virtual X screen of its own, one that does not reset between clients."""
    return [tool("xvfb-run"), "-a", "-s", "-noreset", *command]


def run(command, *, cwd, timeout=180, env=None) -> subprocess.CompletedProcess:
    """Run a ParaView program with the README's set-up; assert it exited 0.

    A run under Xvfb that lost its X connection (:data:`X_BROKEN`: nothing the plugin does) is tried
    once more, and says so on stderr; any other failure fails at once.
    """
    env = pv_env() if env is None else env
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 and X_BROKEN in result.stdout + result.stderr:
        print(f"pvtools.run: '{X_BROKEN}' from {command[0]}: trying once more", file=sys.stderr)
        result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result

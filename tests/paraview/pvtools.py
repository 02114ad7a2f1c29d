"""Running ParaView's programs from the tests: find them, and give them the README's set-up.

A missing program fails the test in CI (which must run the ParaView tests) and skips it
on a machine without ParaView.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str) -> str:
    """The path of ``name`` (pvbatch, pvpython, paraview, mpiexec, xvfb-run)."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI must run the ParaView tests")
        pytest.skip(f"{name} is not installed")
    return path


def pv_env() -> dict[str, str]:
    """The one line of set-up the README documents, and nothing from the test venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "plugin"), str(ROOT / ".pvsite")])
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env

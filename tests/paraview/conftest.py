"""The ParaView tests run once per ParaView found (pvtools.installations()): a test marked
``paraview``, or one using a fixture that asks for the ``paraview`` fixture, gets one id per
version (``test_x[pv5.11.0]``, ``test_x[pv5.13.2]``). The terminal summary says which ParaViews ran.

A module whose tests are about this machine's ParaView alone (installing into its Python, say)
sets ``PARAVIEW = "machine"``.
"""

from __future__ import annotations

import pytest

import pvtools


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("paraview") is None and "paraview" not in metafunc.fixturenames:
        return
    found = pvtools.installations()
    if getattr(metafunc.module, "PARAVIEW", "all") == "machine":
        found = [p for p in found if p.where == "machine"] or found[:1]
    if "paraview" not in metafunc.fixturenames:
        metafunc.fixturenames.append("paraview")
    # Module scope: each module runs whole against one ParaView, then the next, and module
    # fixtures that run pvbatch once (and ask for ``paraview``) run once per ParaView.
    metafunc.parametrize("paraview", found, ids=[p.id for p in found], indirect=True, scope="module")


@pytest.fixture(scope="module")
def paraview(request):
    """The ParaView this test runs against; pvtools.tool() and pv_env() answer for it."""
    installation = getattr(request, "param", None) or pvtools.installations()[0]
    previous, pvtools.CURRENT = pvtools.CURRENT, installation
    yield installation
    pvtools.CURRENT = previous


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if pvtools._FOUND is None:
        return
    terminalreporter.section("ParaView versions tested")
    for installation in pvtools._FOUND:
        if installation.missing:
            terminalreporter.write_line(f"{installation.id}: MISSING: {installation.missing}")
        else:
            terminalreporter.write_line(f"ParaView {installation.version}: {installation.label}")
    try:
        from test_paraview_matrix import MEASURED
    except ImportError:
        return
    if MEASURED:
        terminalreporter.section("oblique image, where each ParaView draws it (tests/paraview/test_paraview_matrix.py)")
        for line in MEASURED.table():
            terminalreporter.write_line(line)

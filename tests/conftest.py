"""Shared fixtures and hooks: the child-process reader, and the fuzz counts in the terminal summary."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def child(request):
    """One child process per test module that reads files one at a time (:class:`fuzzing.ChildReader`).

    A file that crashes or hangs the reader fails a test instead of ending the run. A module may set
    ``CHILD_READER`` ("sitkvtk", the default, or "simpleitk") and ``CHILD_TIMEOUT`` (seconds, default 30).
    """
    from fuzzing import ChildReader  # hypothesis comes with it: only for the modules that ask

    mode = getattr(request.module, "CHILD_READER", "sitkvtk")
    timeout = getattr(request.module, "CHILD_TIMEOUT", 30.0)
    with ChildReader(mode, timeout=timeout) as reader:
        yield reader


def _line(name: str, tried: int, ok: int, error: int, crashes: int, hangs: int, wrong: int, others: int) -> str:
    return (
        f"{name:26} inputs {tried:5}  good {ok:5}  clean errors {error:5}  crashes {crashes}  hangs {hangs}  "
        f"silently wrong {wrong}  other exceptions {others}"
    )


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from fuzzing import CRASHES, RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    terminalreporter.section("fuzzing (tests/test_fuzz.py, tests/test_fuzz_dicom.py)")
    totals = [0] * 7
    for name, counts in RESULTS.items():
        row = [
            sum(v for k, v in counts.items() if k not in ("unnamed", "unverified")),
            counts.get("ok", 0),
            counts.get("error", 0),
            counts.get("crash", 0),
            counts.get("hang", 0),
            counts.get("wrong", 0),  # a good read the header cannot explain (DICOM)
            counts.get("other", 0),
        ]
        totals = [a + b for a, b in zip(totals, row, strict=False)]
        line = _line(name, *row)
        if counts.get("unverified"):  # good reads whose header pydicom cannot read to check them
            line += f"  (good, unverified: {counts['unverified']})"
        terminalreporter.write_line(line)
        for line in CRASHES.get(name, [])[:5]:
            terminalreporter.write_line(f"    {line}")
    terminalreporter.write_line(_line("all", *totals))

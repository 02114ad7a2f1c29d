"""Shared pytest hooks: the fuzz counts in the terminal summary."""

from __future__ import annotations


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from fuzzing import CRASHES, RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    terminalreporter.section("header fuzzing (tests/test_fuzz.py)")
    total = {"tried": 0, "ok": 0, "error": 0, "crash": 0, "other": 0}
    for name, counts in RESULTS.items():
        tried = sum(v for k, v in counts.items() if k != "unnamed")
        crashes = counts.get("crash", 0) + counts.get("hang", 0)
        others = counts.get("other", 0)
        total["tried"] += tried
        total["ok"] += counts.get("ok", 0)
        total["error"] += counts.get("error", 0)
        total["crash"] += crashes
        total["other"] += others
        terminalreporter.write_line(
            f"{name:16} inputs tried {tried:5}  good reads {counts.get('ok', 0):5}  "
            f"clean errors {counts.get('error', 0):5}  crashes/hangs {crashes}  other exceptions {others}"
        )
        for line in CRASHES.get(name, [])[:5]:
            terminalreporter.write_line(f"    {line}")
    terminalreporter.write_line(
        f"{'all':16} inputs tried {total['tried']:5}  good reads {total['ok']:5}  "
        f"clean errors {total['error']:5}  crashes/hangs {total['crash']}  other exceptions {total['other']}"
    )

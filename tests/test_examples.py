"""The example scripts run as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_vtk_pipeline_example_writes_a_contour_png(tmp_path):
    output = tmp_path / "contour.png"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "vtk_pipeline.py"), "-o", str(output)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "contour points" in result.stdout
    assert output.stat().st_size > 10_000

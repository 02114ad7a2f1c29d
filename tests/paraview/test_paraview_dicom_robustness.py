"""pvbatch: opening each class of bad DICOM (tests/dicombad.py) through the plugin reports an
error naming the file and the session goes on; a file whose SeriesDescription is Latin-1
("Schädel", which used to abort the process) opens alone and as a series, and ParaView
gets the text pydicom reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pydicom
import pytest

import dicombad
import dicomgen
from dicomcase import SHAPE, make_series
from pvtools import pv_env, tool

SCRIPT = Path(__file__).resolve().parent / "pv_dicom_robustness.py"


@pytest.mark.paraview
def test_pvbatch_reports_each_bad_dicom_and_reads_latin1_text(tmp_path):
    good_volume, _, good = make_series(tmp_path / "good")
    _, _, text = make_series(tmp_path / "latin1")
    for path in text:
        dicomgen.edit(path, SpecificCharacterSet="ISO_IR 100", SeriesDescription="Schädel")
    assert b"Sch\xe4del" in Path(text[0]).read_bytes()
    expected = pydicom.dcmread(text[0]).SeriesDescription
    bad = [dicombad.CLASSES[name](str(tmp_path / f"bad{number}"))[0]
           for number, name in enumerate(dicombad.CLASSES)]
    out = tmp_path / "seen.json"
    result = subprocess.run(
        [tool("pvbatch"), str(SCRIPT), str(out), good[0], text[0], *bad],
        env=pv_env(), cwd=tmp_path, capture_output=True, timeout=600,
    )
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    assert result.returncode == 0, output
    assert f"pv_dicom_robustness done {len(bad)}" in output, output
    seen = json.loads(out.read_text(encoding="utf-8"))
    alone, whole = seen["text"]
    assert alone["dimensions"] == [SHAPE[2], SHAPE[1], 1]
    assert whole["dimensions"] == [SHAPE[2], SHAPE[1], SHAPE[0]]
    for read in (alone, whole):
        assert read["description"] == expected == "Schädel"
    assert f"0008|103e = {expected}" in alone["header_keys"]
    assert [entry["path"] for entry in seen["bad"]] == bad
    for entry in seen["bad"]:
        assert entry["points"] == 0, entry
        assert entry["good_after"] == good_volume.size, entry
        assert f"SimpleITKReader: {entry['path']}:" in output, f"no error names {entry['path']}"

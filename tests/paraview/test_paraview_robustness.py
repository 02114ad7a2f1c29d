"""pvbatch: opening each bad file through the plugin reports an error naming it, and the
session goes on (files that crash or hang bare SimpleITK included)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from pvtools import pv_env, tool
from synthetic import oblique_image

SCRIPT = Path(__file__).resolve().parent / "pv_robustness.py"


def _bad_files(tmp_path) -> list[str]:
    good_nii = str(tmp_path / "source.nii")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(9, 8, 7)), good_nii)
    good_mha = str(tmp_path / "source.mha")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(9, 8, 7)), good_mha)
    nifti, mha = Path(good_nii).read_bytes(), Path(good_mha).read_bytes()
    files = {
        "empty.nii": b"",
        "random.mha": np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8).tobytes(),
        "half.nii": nifti[: len(nifti) // 2],
        "huge.mha": mha.replace(b"DimSize = 9 8 7", b"DimSize = 30000 30000 30000"),
        "ndims.mha": mha.replace(b"NDims = 3", b"NDims = -1"),  # segfaults bare SimpleITK
        "sform.nii": nifti[:316] + struct.pack("<f", float("inf")) + nifti[320:],  # hangs ITK
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    folder = tmp_path / "no dicom here"
    folder.mkdir()
    (folder / "notes.txt").write_text("nothing")
    paths += [str(folder), str(tmp_path / "missing.nii")]
    return paths


@pytest.mark.paraview
def test_pvbatch_reports_each_bad_file_and_goes_on(tmp_path):
    good = str(tmp_path / "good.nrrd")
    sitk.WriteImage(oblique_image(np.float32, 3, size=(6, 5, 4)), good)
    bad = _bad_files(tmp_path)
    out = tmp_path / "seen.json"
    result = subprocess.run(
        [tool("pvbatch"), str(SCRIPT), str(out), good, *bad],
        env=pv_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"pv_robustness done {len(bad)}" in result.stdout, output
    seen = json.loads(out.read_text())
    assert [entry["path"] for entry in seen] == bad
    for entry in seen:
        assert entry["points"] == 0, entry
        assert entry["good_after"] == 6 * 5 * 4, entry
        assert f"SimpleITKReader: {entry['path']}:" in output, f"no error names {entry['path']}"
    assert os.path.exists(good)

"""The SimpleITK Writer in ParaView: reader -> Calculator -> File > Save Data -> SimpleITK.

Runs tests/paraview/pv_writer.py under pvbatch on an oblique, off-origin file whose voxels
encode their index, then reads what ParaView wrote with SimpleITK: values must be
2 * index + 1 and every corner where the original voxel was.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk

from pvtools import pv_env, tool
from synthetic import corners, oblique_image

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def saved(tmp_path_factory, paraview):
    pvbatch = tool("pvbatch")
    folder = tmp_path_factory.mktemp("paraview_writer")
    image = oblique_image("int16", 3, size=(7, 6, 5))
    source = folder / "in.nrrd"
    sitk.WriteImage(image, str(source))
    out = folder / "out"
    out.mkdir()
    report = folder / "report.json"
    env = pv_env()
    result = subprocess.run(
        [pvbatch, str(Path(__file__).resolve().parent / "pv_writer.py"), str(source), str(out), str(report)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return image, out, json.loads(report.read_text()), result.stdout + result.stderr


@pytest.mark.paraview
def test_save_data_offers_the_simpleitk_writer(saved):
    _, _, report, _ = saved
    assert report["auto_type"] == "vtkStructuredGrid"  # oblique: world points by default
    assert report["image_type"] == report["calculator_type"] == "vtkImageData"
    assert "SimpleITK image" in report["file_types"]
    for pattern in ("*.nii", "*.nii.gz", "*.nrrd", "*.mha"):
        assert pattern in report["file_types"]
    assert set(report["written"].values()) == {"SimpleITKWriter"}
    # offered for world points too: the writer recovers the image from a lattice of points
    assert "SimpleITK image" in report["auto_file_types"]


@pytest.mark.paraview
@pytest.mark.parametrize(
    ("name", "atol"), [("out.nii.gz", 1e-4), ("out.nrrd", 1e-6), ("out.mha", 1e-6)]
)
def test_saved_file_has_filtered_values_in_place(saved, name, atol):
    image, out, _, _ = saved
    written = sitk.ReadImage(str(out / name))
    assert written.GetSize() == image.GetSize()
    assert written.GetPixelID() == sitk.sitkFloat64  # the Calculator's result
    expected = 2.0 * sitk.GetArrayViewFromImage(image) + 1
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written), expected)
    for corner in corners(image.GetSize()):
        np.testing.assert_allclose(
            written.TransformIndexToPhysicalPoint(corner),
            image.TransformIndexToPhysicalPoint(corner),
            atol=atol,
        )


@pytest.mark.paraview
def test_array_name_and_compression_properties(saved):
    image, out, _, _ = saved
    written = sitk.ReadImage(str(out / "original.nrrd"))
    assert written.GetPixelID() == sitk.sitkInt16
    original = sitk.GetArrayViewFromImage(image)
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written), original)
    header = (out / "original.nrrd").read_bytes().split(b"\n\n")[0]
    assert b"encoding: raw" in header
    assert b"encoding: gzip" in (out / "out.nrrd").read_bytes().split(b"\n\n")[0]


@pytest.mark.paraview
def test_failed_save_leaves_nothing_and_says_why(saved):
    _, out, _, log = saved
    assert sorted(os.listdir(out)) == ["original.nrrd", "out.mha", "out.nii.gz", "out.nrrd"]
    assert "missing/out.nii: the folder" in log

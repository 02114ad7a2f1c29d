"""The ParaView plugin, run for real in pvbatch, mpiexec pvbatch and the GUI. The world-space
outputs it is built on (sitkvtk.world) are checked in plain VTK in tests/test_world_*.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D
from vtkmodules.vtkIOImage import vtkPNGReader

import sitkvtk
from pvtools import run, tool, xvfb
from sitkvtk.sample import make_phantom
from synthetic import distance_image, oblique_image, rotation_3d, sitk_world
from worldcheck import world_reader, write_image

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PV_CHECKS = HERE / "pv_checks.py"


# -- ParaView, for real -------------------------------------------------------------------
def _run(command, tmp_path, *, timeout=180) -> subprocess.CompletedProcess:
    return run(command, cwd=tmp_path, timeout=timeout)


def _pvbatch(tmp_path, command, *arguments, launcher=(), screen=False):
    out = tmp_path / f"{command}.json"
    command_line = [*launcher, tool("pvbatch"), str(PV_CHECKS), command, str(out), *arguments]
    result = _run(xvfb(*command_line) if screen else command_line, tmp_path)
    assert f"pv_checks done {command}" in result.stdout, result.stdout + result.stderr
    return json.loads(out.read_text()), result


def _png(path) -> np.ndarray:
    reader = vtkPNGReader()
    reader.SetFileName(str(path))
    reader.Update()
    image = reader.GetOutput()
    nx, ny, _ = image.GetDimensions()
    return vtk_to_numpy(image.GetPointData().GetScalars()).reshape(ny, nx, -1)


@pytest.mark.paraview
def test_pvbatch_reads_like_sitkvtk(tmp_path):
    image = oblique_image(np.float32, size=(12, 10, 8))
    paths = [write_image(tmp_path, image, f"oblique.{ext}") for ext in ("nii", "nii.gz", "mha", "nrrd")]
    seen, _ = _pvbatch(tmp_path, "read", *paths)
    for path in paths:
        expected = sitkvtk.read(path)
        scalars = expected.GetPointData().GetScalars()
        ours = seen[path]["ours"]
        assert ours["xml_name"] == "SimpleITKReader"
        assert ours["type"] == "vtkStructuredGrid"  # oblique: world points by default
        for result in (ours, seen[path]["image_mode"]):
            assert result["points"] == expected.GetNumberOfPoints()
            np.testing.assert_allclose(result["bounds"], expected.GetBounds(), atol=1e-4)
            np.testing.assert_allclose(result["range"], scalars.GetRange())
        info = seen[path]["info"]
        assert info["SizeInfo"] == "12 10 8"
        assert info["SpacingInfo"] == "0.7 1.3 2.1"
        np.testing.assert_allclose([float(v) for v in info["DirectionInfo"].split()], rotation_3d().ravel(), atol=1e-5)
        assert info["PixelTypeInfo"].startswith("32-bit float")
        assert {"Size", "Spacing", "Direction", "HeaderKeys"} <= set(seen[path]["field_data"])
        # ParaView offers our reader for every one of these files.
        assert "SimpleITKReader" in seen[path]["offered"]
    # ParaView 5.11 has no reader for NIfTI: OpenDataFile opens .nii and .nii.gz with ours.
    for path in paths[:2]:
        assert seen[path]["opened"] == seen[path]["ours"]


@pytest.mark.paraview
def test_pvbatch_contour_lies_where_the_world_space_contour_lies(tmp_path):
    path = write_image(tmp_path, distance_image((22, 19, 15)), "sphere.nii.gz")
    seen, _ = _pvbatch(tmp_path, "contour", path, "5.5")
    reference = vtkFlyingEdges3D()  # honours the direction matrix
    reference.SetInputData(sitkvtk.read(path))
    reference.SetValue(0, 5.5)
    reference.Update()
    expected = vtk_to_numpy(reference.GetOutput().GetPoints().GetData()).astype(float)
    got = np.array(seen["points"])
    assert len(got) > 100
    np.testing.assert_allclose(seen["bounds"], reference.GetOutput().GetBounds(), atol=1e-3)
    # Every point of each lies on the other (the same surface, not just the same box).
    distances = np.linalg.norm(got[:, None, :] - expected[None, :, :], axis=2)
    assert distances.min(axis=1).max() < 1e-3
    assert distances.min(axis=0).max() < 1e-3


@pytest.mark.paraview
def test_pvbatch_vector_image_gives_glyphs_along_each_vector(tmp_path):
    size = (5, 4, 3)
    k, j, i = np.indices(size[::-1])
    vectors = np.stack([i + 1.0, 0.5 * j - 0.7, 0.25 * k + 0.3], axis=-1).astype(np.float32)
    field = sitk.GetImageFromArray(vectors, isVector=True)
    field.CopyInformation(oblique_image(np.float32, size=size))
    path = write_image(tmp_path, field, "displacement.nii.gz")
    seen, _ = _pvbatch(tmp_path, "glyph", path)
    assert seen["components"] == 3
    # A line glyph scaled by the vector's length and turned along it: p - v/2 to p + v/2.
    centres = np.array([sitk_world(field, (a, b, c)) for c in range(size[2]) for b in range(size[1])
                        for a in range(size[0])])
    flat = vectors.reshape(-1, 3)
    expected = np.concatenate([centres - flat / 2, centres + flat / 2])
    got = np.array(seen["points"])
    assert len(got) == len(expected)
    distances = np.linalg.norm(got[:, None, :] - expected[None, :, :], axis=2)
    assert distances.min(axis=1).max() < 1e-4
    assert distances.min(axis=0).max() < 1e-4


@pytest.mark.paraview
def test_pvbatch_screenshot_shows_the_oblique_sample_rotated(tmp_path):
    oblique = write_image(tmp_path, make_phantom(), "phantom.mha")
    straight_image = make_phantom()
    straight_image.SetDirection(np.eye(3).ravel().tolist())
    straight = write_image(tmp_path, straight_image, "straight.mha")
    pngs = {name: tmp_path / f"{name}.png" for name in ("oblique", "straight")}
    seen, _ = _pvbatch(tmp_path, "screenshot", oblique, str(pngs["oblique"]), straight, str(pngs["straight"]),
                       screen=True)
    assert seen["types"] == ["vtkStructuredGrid", "vtkImageData"]  # the default mode of each
    fill = {}
    for name, png in pngs.items():
        pixels = _png(png)
        mask = pixels[..., :3].max(axis=2) > 20  # the data, drawn on black
        assert 0.05 < mask.mean() < 0.95, f"{name}: blank or all data"
        rows, cols = np.nonzero(mask)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        fill[name] = mask.sum() / box
    # Seen along world z, the straight volume fills its screen rectangle; the sample,
    # turned 25 degrees about z, draws a rotated box that fills much less of its own.
    assert fill["straight"] > 0.97, fill
    assert fill["oblique"] < 0.8, fill


@pytest.mark.paraview
def test_paraview_gui_opens_a_file_through_the_plugin(tmp_path):
    path = write_image(tmp_path, make_phantom(), "phantom.nii.gz")
    png = tmp_path / "gui.png"
    env_script = [
        "env", f"SITKVTK_GUI_FILE={path}", f"SITKVTK_GUI_PNG={png}",
        *xvfb(tool("paraview"), f"--script={HERE / 'pv_gui.py'}", "--exit"),
    ]
    result = _run(env_script, tmp_path, timeout=240)
    # The GUI exits 0 even when a script fails: the script's last line proves it ran.
    assert "pv_gui done SimpleITKReader vtkStructuredGrid" in result.stdout + result.stderr
    pixels = _png(png)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50  # not a blank view


@pytest.mark.paraview
def test_pvbatch_reports_a_corrupt_file_and_goes_on(tmp_path):
    good = write_image(tmp_path, oblique_image(np.float32, size=(12, 10, 8)), "good.nii")
    corrupt = tmp_path / "corrupt.nii"
    corrupt.write_bytes(Path(good).read_bytes()[:600])  # header intact, voxels cut off
    seen, result = _pvbatch(tmp_path, "bad", str(corrupt), good)
    output = result.stdout + result.stderr
    assert f"SimpleITKReader: {corrupt}" in output
    assert seen["bad_points"] == 0
    assert seen["after"]["points"] == 960


@pytest.mark.paraview
@pytest.mark.mpi
@pytest.mark.parametrize("ranks", [2])
def test_mpi_pvbatch_ranks_load_the_plugin_and_stream_pieces(tmp_path, ranks):
    image = oblique_image(np.float32, size=(12, 10, 8))
    path = write_image(tmp_path, image, "oblique.nii.gz")
    seen, _ = _pvbatch(tmp_path, "modes", path, launcher=(tool("mpiexec"), "-n", str(ranks)))
    for mode, result in seen.items():
        reader = world_reader(path, mode)
        reader.Update()
        expected = reader.GetOutputDataObject(0)
        assert result["pieces"] == ranks, mode  # every rank read its own piece
        np.testing.assert_allclose(result["bounds"], expected.GetBounds(), atol=1e-4)
        np.testing.assert_allclose(result["range"], expected.GetPointData().GetScalars().GetRange())
        # Pieces share their boundary planes: at least every point, less than twice.
        assert expected.GetNumberOfPoints() <= result["points"] < 2 * expected.GetNumberOfPoints()


@pytest.mark.paraview
def test_pv_slice_example_saves_a_picture_of_the_sample(tmp_path):
    png = tmp_path / "slice.png"
    command = xvfb(tool("pvpython"), str(ROOT / "examples" / "pv_slice.py"), "-o", str(png))
    result = _run(command, tmp_path)
    assert "vtkStructuredGrid, 774144 points" in result.stdout, result.stdout + result.stderr
    pixels = _png(png)
    assert pixels.shape[:2] == (600, 800)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50

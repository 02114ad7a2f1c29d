"""The ParaView plugin, run for real in pvbatch, mpiexec pvbatch and the GUI, and the
world-space outputs (sitkvtk.world) it is built on, checked in plain VTK first."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkObject
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D
from vtkmodules.vtkIOImage import vtkPNGReader

import sitkvtk
from pvtools import pv_env, tool
from sitkvtk.sample import make_phantom
from sitkvtk.world import WorldImageReader, choose_mode, world_grid
from synthetic import distance_image, oblique_image, rotation_3d, sitk_world

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PV_CHECKS = HERE / "pv_checks.py"
PERMUTATION = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])


# -- helpers --------------------------------------------------------------------------
def _write(tmp_path, image, name) -> str:
    path = str(tmp_path / name)
    sitk.WriteImage(image, path)
    return path


def _world_reader(path, mode, coordinate_system="LPS"):
    reader = WorldImageReader()
    reader.SetFileName(path)
    reader.SetOutputMode(mode)
    reader.SetCoordinateSystem(coordinate_system)
    return reader


def _points(data) -> np.ndarray:
    """World positions of every point, VTK order, for image data and structured grids."""
    if data.IsA("vtkStructuredGrid"):
        return vtk_to_numpy(data.GetPoints().GetData()).astype(float)
    return np.array([data.GetPoint(i) for i in range(data.GetNumberOfPoints())])


def _scalars(data) -> np.ndarray:
    return vtk_to_numpy(data.GetPointData().GetScalars()).astype(float)


def _index_value(index, size) -> np.ndarray:
    """Value synthetic.oblique_image gives (float types) to a continuous (x, y, z) index."""
    index = np.asarray(index, dtype=float)
    return index[..., 0] + size[0] * index[..., 1] + size[0] * size[1] * index[..., 2] + 0.25


def _continuous_index(image: sitk.Image, points) -> np.ndarray:
    matrix = np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())
    return (np.asarray(points) - np.array(image.GetOrigin())) @ np.linalg.inv(matrix).T


# -- world-space outputs in plain VTK ------------------------------------------------------
def test_auto_mode_keeps_axis_aligned_images_and_bakes_oblique_ones():
    assert choose_mode("Auto", np.eye(3)) == "Image"
    assert choose_mode("Auto", PERMUTATION) == "Resampled"
    assert choose_mode("Auto", np.diag([-1.0, -1.0, 1.0])) == "Resampled"  # RAS of an axial image
    assert choose_mode("Auto", rotation_3d()) == "StructuredGrid"
    assert choose_mode("Image", rotation_3d()) == "Image"


def test_structured_grid_points_are_the_voxels_world_positions(tmp_path):
    image = oblique_image(np.float32, size=(6, 5, 4))
    path = _write(tmp_path, image, "oblique.nii.gz")
    reader = _world_reader(path, "Auto")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkStructuredGrid"
    ijk = np.stack(np.meshgrid(range(6), range(5), range(4), indexing="ij"), -1)
    ijk = ijk.transpose(2, 1, 0, 3).reshape(-1, 3)  # VTK order: x fastest
    expected = np.array([sitk_world(image, index) for index in ijk])
    np.testing.assert_allclose(_points(grid), expected, atol=1e-4)
    np.testing.assert_array_equal(_scalars(grid), _index_value(ijk, (6, 5, 4)))
    # The voxels are shared with the image, not copied.
    assert grid.GetPointData().GetScalars().GetNumberOfTuples() == 120


@pytest.mark.parametrize("mode", ["Image", "StructuredGrid", "Resampled"])
def test_every_mode_streams_sub_extents(tmp_path, mode):
    path = _write(tmp_path, oblique_image(np.float32, size=(9, 8, 7)), "oblique.mha")
    whole = _world_reader(path, mode)
    whole.Update()
    full = whole.GetOutputDataObject(0)
    e = full.GetExtent()
    sub = [e[0] + 1, e[1] - 2, e[2] + 2, e[3] - 1, e[4] + 1, e[4] + 3]
    part_reader = _world_reader(path, mode)
    part_reader.UpdateExtent(sub)
    part = part_reader.GetOutputDataObject(0)
    assert part.GetExtent() == tuple(sub)
    # The same points, with the same values, as that box of the whole output.
    nx, ny = e[1] - e[0] + 1, e[3] - e[2] + 1
    k, j, i = np.meshgrid(*[np.arange(sub[2 * a], sub[2 * a + 1] + 1) for a in (2, 1, 0)], indexing="ij")
    ids = ((i - e[0]) + nx * (j - e[2]) + nx * ny * (k - e[4])).ravel()
    np.testing.assert_allclose(_points(part), _points(full)[ids], atol=1e-4)
    np.testing.assert_allclose(_scalars(part), _scalars(full)[ids], rtol=1e-6, atol=1e-4)


def test_resampled_grid_interpolates_the_image_in_world_space(tmp_path):
    size = (9, 8, 7)
    image = oblique_image(np.float32, size=size)
    path = _write(tmp_path, image, "oblique.nrrd")
    reader = _world_reader(path, "Resampled")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkImageData"
    direction = grid.GetDirectionMatrix()
    assert all(direction.GetElement(r, c) == float(r == c) for r in range(3) for c in range(3))
    # The grid covers the rotated image.
    image_bounds = np.array(sitkvtk.read(path).GetBounds())
    bounds = np.array(grid.GetBounds())
    assert np.all(bounds[0::2] <= image_bounds[0::2] + 1e-9)
    assert np.all(bounds[1::2] >= image_bounds[1::2] - 1e-9)
    # Voxel values are linear in the index, so trilinear samples are exact inside.
    points, values = _points(grid), _scalars(grid)
    index = _continuous_index(image, points)
    inside = np.all((index >= 1e-6) & (index <= np.array(size) - 1 - 1e-6), axis=1)
    outside = np.any((index < -1.0) | (index > np.array(size)), axis=1)
    assert inside.sum() > 100 and outside.sum() > 100
    np.testing.assert_allclose(values[inside], _index_value(index[inside], size), rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(values[outside], 0)


def test_conversions_keep_the_readers_field_data():
    from vtkmodules.vtkCommonCore import vtkStringArray

    from sitkvtk.world import resample_to_world, structured_grid_from_image

    image = sitkvtk.vtk_image_from_image(oblique_image(np.float32, size=(4, 3, 2)))
    tag = vtkStringArray()
    tag.SetName("DICOM_Modality")
    tag.InsertNextValue("CT")
    image.GetFieldData().AddArray(tag)
    spacing, origin, extent = world_grid(image.GetSpacing(), image.GetOrigin(), rotation_3d(), image.GetExtent())
    for converted in (structured_grid_from_image(image), resample_to_world(image, spacing, origin, extent)):
        assert converted.GetFieldData().GetAbstractArray("DICOM_Modality").GetValue(0) == "CT"


def test_permuted_axes_are_resampled_exactly(tmp_path):
    size = (6, 5, 4)
    image = oblique_image(np.float32, size=size)
    image.SetDirection(PERMUTATION.ravel().tolist())
    path = _write(tmp_path, image, "permuted.mha")
    reader = _world_reader(path, "Auto")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkImageData"
    assert grid.GetNumberOfPoints() == np.prod(size)  # the same voxels, reordered
    index = _continuous_index(image, _points(grid))
    np.testing.assert_allclose(index, np.round(index), atol=1e-6)
    np.testing.assert_array_equal(_scalars(grid), _index_value(np.round(index), size))


def test_world_grid_of_a_permutation_is_the_same_voxel_count():
    spacing, _, extent = world_grid([0.5, 2.0, 3.0], [1.0, 2.0, 3.0], PERMUTATION, [0, 9, 0, 4, 0, 2])
    np.testing.assert_allclose(spacing, [2.0, 3.0, 0.5])
    assert extent == [0, 4, 0, 2, 0, 9]


def test_time_steps_and_metadata_reach_every_mode(tmp_path):
    volumes = [oblique_image(np.float32, size=(4, 3, 2)) for _ in range(2)]
    volumes[1] = volumes[1] + 1000.0
    series = sitk.JoinSeries(volumes)
    series.SetOrigin(oblique_image(np.float32).GetOrigin() + (5.0,))
    series.SetSpacing((0.7, 1.3, 2.1, 0.5))
    path = _write(tmp_path, series, "series.mha")
    for mode in ("StructuredGrid", "Resampled"):
        reader = _world_reader(path, mode)
        reader.UpdateTimeStep(5.5)
        output = reader.GetOutputDataObject(0)
        assert output.GetInformation().Get(output.DATA_TIME_STEP()) == pytest.approx(5.5)
        assert _scalars(output).max() > 1000.0
        fields = output.GetFieldData()
        assert fields.GetAbstractArray("Size").GetValue(0) == "4 3 2 2"
        assert fields.GetAbstractArray("Spacing").GetValue(0) == "0.7 1.3 2.1 0.5"
        assert fields.GetAbstractArray("ImageIO").GetValue(0) == "MetaImageIO"
        keys = [fields.GetAbstractArray("HeaderKeys").GetValue(i).split(" = ")[0]
                for i in range(fields.GetAbstractArray("HeaderKeys").GetNumberOfValues())]
        assert "ITK_InputFilterName" in keys


def test_unreadable_file_leaves_an_empty_output_and_names_the_file(tmp_path):
    path = tmp_path / "broken.nii"
    path.write_bytes(b"not an image at all" * 20)
    reader = _world_reader(str(path), "Auto")
    vtkObject.GlobalWarningDisplayOff()
    try:
        reader.Update()
    finally:
        vtkObject.GlobalWarningDisplayOn()
    assert str(path) in str(reader.last_error)
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 0


# -- ParaView, for real -------------------------------------------------------------------
def _run(command, tmp_path, *, timeout=180) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=pv_env(), cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _pvbatch(tmp_path, command, *arguments, launcher=(), xvfb=False):
    out = tmp_path / f"{command}.json"
    prefix = [tool("xvfb-run"), "-a"] if xvfb else []
    result = _run([*prefix, *launcher, tool("pvbatch"), str(PV_CHECKS), command, str(out), *arguments], tmp_path)
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
    paths = [_write(tmp_path, image, f"oblique.{ext}") for ext in ("nii", "nii.gz", "mha", "nrrd")]
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
    path = _write(tmp_path, distance_image((22, 19, 15)), "sphere.nii.gz")
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
    path = _write(tmp_path, field, "displacement.nii.gz")
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
    oblique = _write(tmp_path, make_phantom(), "phantom.mha")
    straight_image = make_phantom()
    straight_image.SetDirection(np.eye(3).ravel().tolist())
    straight = _write(tmp_path, straight_image, "straight.mha")
    pngs = {name: tmp_path / f"{name}.png" for name in ("oblique", "straight")}
    seen, _ = _pvbatch(tmp_path, "screenshot", oblique, str(pngs["oblique"]), straight, str(pngs["straight"]),
                       xvfb=True)
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
    path = _write(tmp_path, make_phantom(), "phantom.nii.gz")
    png = tmp_path / "gui.png"
    env_script = [
        "env", f"SITKVTK_GUI_FILE={path}", f"SITKVTK_GUI_PNG={png}",
        tool("xvfb-run"), "-a", tool("paraview"), f"--script={HERE / 'pv_gui.py'}", "--exit",
    ]
    result = _run(env_script, tmp_path, timeout=240)
    # The GUI exits 0 even when a script fails: the script's last line proves it ran.
    assert "pv_gui done SimpleITKReader vtkStructuredGrid" in result.stdout + result.stderr
    pixels = _png(png)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50  # not a blank view


@pytest.mark.paraview
def test_pvbatch_reports_a_corrupt_file_and_goes_on(tmp_path):
    good = _write(tmp_path, oblique_image(np.float32, size=(12, 10, 8)), "good.nii")
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
    path = _write(tmp_path, image, "oblique.nii.gz")
    seen, _ = _pvbatch(tmp_path, "modes", path, launcher=(tool("mpiexec"), "-n", str(ranks)))
    for mode, result in seen.items():
        reader = _world_reader(path, mode)
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
    command = [tool("xvfb-run"), "-a", tool("pvpython"), str(ROOT / "examples" / "pv_slice.py"), "-o", str(png)]
    result = _run(command, tmp_path)
    assert "vtkStructuredGrid, 774144 points" in result.stdout, result.stdout + result.stderr
    pixels = _png(png)
    assert pixels.shape[:2] == (600, 800)
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50

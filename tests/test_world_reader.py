"""The reader the plugin runs (world/reader.py), in plain VTK: each output mode's points are the
voxels' world positions, sub-extents stream, time steps and metadata reach every mode, and an
unreadable file leaves an empty output naming it."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkCommonCore import vtkObject

from synthetic import oblique_image, sitk_world
from worldcheck import index_value, output_points, output_scalars, world_reader, write_image


def test_structured_grid_points_are_the_voxels_world_positions(tmp_path):
    image = oblique_image(np.float32, size=(6, 5, 4))
    path = write_image(tmp_path, image, "oblique.nii.gz")
    reader = world_reader(path, "Auto")
    reader.Update()
    grid = reader.GetOutputDataObject(0)
    assert grid.GetClassName() == "vtkStructuredGrid"
    ijk = np.stack(np.meshgrid(range(6), range(5), range(4), indexing="ij"), -1)
    ijk = ijk.transpose(2, 1, 0, 3).reshape(-1, 3)  # VTK order: x fastest
    expected = np.array([sitk_world(image, index) for index in ijk])
    np.testing.assert_allclose(output_points(grid), expected, atol=1e-4)
    np.testing.assert_array_equal(output_scalars(grid), index_value(ijk, (6, 5, 4)))
    # The voxels are shared with the image, not copied.
    assert grid.GetPointData().GetScalars().GetNumberOfTuples() == 120


@pytest.mark.parametrize("mode", ["Image", "StructuredGrid", "Resampled"])
def test_every_mode_streams_sub_extents(tmp_path, mode):
    path = write_image(tmp_path, oblique_image(np.float32, size=(9, 8, 7)), "oblique.mha")
    whole = world_reader(path, mode)
    whole.Update()
    full = whole.GetOutputDataObject(0)
    e = full.GetExtent()
    sub = [e[0] + 1, e[1] - 2, e[2] + 2, e[3] - 1, e[4] + 1, e[4] + 3]
    part_reader = world_reader(path, mode)
    part_reader.UpdateExtent(sub)
    part = part_reader.GetOutputDataObject(0)
    assert part.GetExtent() == tuple(sub)
    # The same points, with the same values, as that box of the whole output.
    nx, ny = e[1] - e[0] + 1, e[3] - e[2] + 1
    k, j, i = np.meshgrid(*[np.arange(sub[2 * a], sub[2 * a + 1] + 1) for a in (2, 1, 0)], indexing="ij")
    ids = ((i - e[0]) + nx * (j - e[2]) + nx * ny * (k - e[4])).ravel()
    np.testing.assert_allclose(output_points(part), output_points(full)[ids], atol=1e-4)
    np.testing.assert_allclose(output_scalars(part), output_scalars(full)[ids], rtol=1e-6, atol=1e-4)


def test_time_steps_and_metadata_reach_every_mode(tmp_path):
    volumes = [oblique_image(np.float32, size=(4, 3, 2)) for _ in range(2)]
    volumes[1] = volumes[1] + 1000.0
    series = sitk.JoinSeries(volumes)
    series.SetOrigin(oblique_image(np.float32).GetOrigin() + (5.0,))
    series.SetSpacing((0.7, 1.3, 2.1, 0.5))
    path = write_image(tmp_path, series, "series.mha")
    for mode in ("StructuredGrid", "Resampled"):
        reader = world_reader(path, mode)
        reader.UpdateTimeStep(5.5)
        output = reader.GetOutputDataObject(0)
        assert output.GetInformation().Get(output.DATA_TIME_STEP()) == pytest.approx(5.5)
        assert output_scalars(output).max() > 1000.0
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
    reader = world_reader(str(path), "Auto")
    vtkObject.GlobalWarningDisplayOff()
    try:
        reader.Update()
    finally:
        vtkObject.GlobalWarningDisplayOn()
    assert str(path) in str(reader.last_error)
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 0

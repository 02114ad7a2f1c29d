"""SimpleITKReader (reader.py) as a VTK pipeline source: extents, pieces, coordinate systems,
progress, errors, and time (4-D images as time steps; as components on request)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkCommand, vtkObject
from vtkmodules.vtkCommonDataModel import vtkDataObject
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as SDDP
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D

import sitkvtk
from sitkvtk.bridge import voxels_size
from sitkvtk.sources.file import FileSource
from synthetic import (
    ORIGIN_4D,
    SIZE_4D,
    SPACING_4D,
    corners,
    image_4d,
    oblique_image,
    rotation_3d,
    sitk_world,
    vtk_values,
    vtk_world,
    xyzt_values,
)

STREAMING = [".mha", ".mhd", ".nii", ".nii.gz", ".nrrd"]


@pytest.fixture(scope="module")
def volume():
    return oblique_image(np.int16, 3, size=(13, 11, 9))


def _write(tmp_path, image, ext):
    path = str(tmp_path / f"volume{ext}")
    sitk.WriteImage(image, path)
    return path


@pytest.mark.parametrize("ext", STREAMING)
@pytest.mark.parametrize(
    "extent",
    [(0, 12, 0, 10, 4, 4), (3, 3, 0, 10, 0, 8), (2, 9, 1, 6, 3, 7), (12, 12, 10, 10, 8, 8)],
    ids=["z-slice", "x-slice", "box", "last-voxel"],
)
def test_sub_extent_equals_box_of_whole_read(tmp_path, volume, ext, extent):
    path = _write(tmp_path, volume, ext)
    whole = sitkvtk.read(path)
    part = sitkvtk.read(path, extent=extent)

    assert part.GetExtent() == extent
    x0, x1, y0, y1, z0, z1 = extent
    np.testing.assert_array_equal(vtk_values(part), vtk_values(whole)[z0 : z1 + 1, y0 : y1 + 1, x0 : x1 + 1])
    # The same voxel index lands at the same world point in both, and where SimpleITK puts it.
    for index in corners((x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1)):
        ijk = (x0 + index[0], y0 + index[1], z0 + index[2])
        np.testing.assert_allclose(vtk_world(part, ijk), vtk_world(whole, ijk), atol=1e-9)
        np.testing.assert_allclose(vtk_world(part, ijk), sitk_world(volume, ijk), atol=1e-4)


def test_pipeline_update_extent_reads_only_that_extent(tmp_path, volume):
    path = _write(tmp_path, volume, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    reader.UpdateExtent((0, 12, 0, 10, 2, 3))
    output = reader.GetOutputDataObject(0)
    assert output.GetExtent() == (0, 12, 0, 10, 2, 3)
    assert output.GetNumberOfPoints() == 13 * 11 * 2


def test_piece_requests_split_the_cells_and_cover_the_image(tmp_path, volume):
    # VTK splits structured data by cells: neighbouring pieces share a layer of points.
    path = _write(tmp_path, volume, ".nii")
    whole = vtk_values(sitkvtk.read(path))
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    seen = np.zeros(np.array(whole.shape) - 1, dtype=int)
    for piece in range(3):
        reader.UpdatePiece(piece, 3, 0)
        output = reader.GetOutputDataObject(0)
        x0, x1, y0, y1, z0, z1 = output.GetExtent()
        np.testing.assert_array_equal(vtk_values(output), whole[z0 : z1 + 1, y0 : y1 + 1, x0 : x1 + 1])
        seen[z0:z1, y0:y1, x0:x1] += 1
    assert (seen == 1).all()


def test_reader_output_survives_reader_and_gc(tmp_path, volume):
    path = _write(tmp_path, volume, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.Update()
    output = reader.GetOutputDataObject(0)
    del reader
    gc.collect()
    np.testing.assert_array_equal(vtk_values(output), sitk.GetArrayViewFromImage(volume))


def test_ras_flips_first_two_world_axes(tmp_path, volume):
    path = _write(tmp_path, volume, ".nrrd")
    lps = sitkvtk.read(path)
    ras = sitkvtk.read(path, coordinate_system="RAS")
    for index in corners(volume.GetSize()):
        np.testing.assert_allclose(vtk_world(ras, index), vtk_world(lps, index) * [-1, -1, 1], atol=1e-9)
    np.testing.assert_array_equal(vtk_values(ras), vtk_values(lps))


def test_coordinate_system_rejects_unknown_names():
    reader = sitkvtk.SimpleITKReader()
    with pytest.raises(ValueError, match="LPS"):
        reader.SetCoordinateSystem("XYZ")


def test_unchanged_file_name_does_not_modify(tmp_path, volume):
    path = _write(tmp_path, volume, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    before = reader.GetMTime()
    reader.SetFileName(path)
    assert reader.GetMTime() == before
    reader.SetFileName(path + "x")
    assert reader.GetMTime() > before


def test_progress_events_reach_one(tmp_path, volume):
    path = _write(tmp_path, volume, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    seen = []
    reader.AddObserver(vtkCommand.ProgressEvent, lambda obj, _event: seen.append(obj.GetProgress()))
    reader.Update()
    assert seen
    assert max(seen) == pytest.approx(1.0)


def test_reader_feeds_a_filter_in_world_space(tmp_path):
    # A filled box: its isosurface must lie on the oblique box's faces in world space.
    image = sitk.Image([12, 10, 8], sitk.sitkUInt8)
    image[2:10, 2:8, 2:6] = 100
    image.SetOrigin((5.0, -3.0, 12.0))
    image.SetSpacing((0.5, 1.5, 2.0))
    image.SetDirection(oblique_image(np.uint8).GetDirection())
    path = _write(tmp_path, image, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    contour = vtkFlyingEdges3D()
    contour.SetInputConnection(reader.GetOutputPort())
    contour.SetValue(0, 50)
    contour.Update()
    points = numpy_support.vtk_to_numpy(contour.GetOutput().GetPoints().GetData())
    # Back to continuous index space with an independent inverse of the geometry.
    direction = np.reshape(image.GetDirection(), (3, 3))
    index = (points - np.array(image.GetOrigin())) @ direction / np.array(image.GetSpacing())
    assert index.min(axis=0) == pytest.approx([1.5, 1.5, 1.5], abs=1e-4)
    assert index.max(axis=0) == pytest.approx([9.5, 7.5, 5.5], abs=1e-4)


def test_header_is_read_again_when_the_file_changes(tmp_path):
    path = str(tmp_path / "changing.mha")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(5, 4, 3)), path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.Update()
    assert reader.GetOutputDataObject(0).GetDimensions() == (5, 4, 3)
    reader.Modified()  # same file, unchanged: the cached header serves
    reader.Update()
    changed = oblique_image(np.int16, 3, size=(7, 6, 2))
    sitk.WriteImage(changed, path)
    reader.Modified()
    reader.Update()
    assert reader.GetOutputDataObject(0).GetDimensions() == (7, 6, 2)
    np.testing.assert_array_equal(vtk_values(reader.GetOutputDataObject(0)), sitk.GetArrayViewFromImage(changed))


def test_pipeline_error_leaves_output_empty_and_does_not_raise(tmp_path):
    good = _write(tmp_path, oblique_image(np.int16, 3, size=(9, 8, 7)), ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(good)
    reader.Update()
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 9 * 8 * 7
    assert reader.last_error is None

    bad = tmp_path / "bad.nii"
    bad.write_bytes(b"\0" * 2000)
    reader.SetFileName(str(bad))
    previous = vtkObject.GetGlobalWarningDisplay()
    vtkObject.GlobalWarningDisplayOff()  # keep VTK's own report off the test output
    try:
        reader.Update()
    finally:
        vtkObject.SetGlobalWarningDisplay(previous)
    assert reader.last_error is not None
    assert str(bad) in str(reader.last_error)
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 0


def test_an_unforeseen_failure_is_still_a_read_error(tmp_path, monkeypatch):
    """An exception inside the pipeline (as a size VTK cannot index once raised) must not
    come back as an empty image."""
    path = _write(tmp_path, oblique_image(np.int16, 3), ".mha")

    def broken(header):
        raise OverflowError("not foreseen")

    monkeypatch.setattr(sitkvtk.reader, "check_header", broken)
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(path)
    assert caught.value.filename == path


# -- time: 4-D images as time steps, or as components on request ---------------------------
def _expected_world_4d(index):
    return np.array(ORIGIN_4D[:3]) + rotation_3d() @ (np.array(SPACING_4D[:3]) * index)


@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".mha", ".nrrd"])
def test_each_time_step_has_its_values_and_the_geometry(tmp_path, ext, monkeypatch):
    path = str(tmp_path / f"series{ext}")
    sitk.WriteImage(image_4d(), path)
    written = sitk.ReadImage(path)
    expected_times = [written.GetOrigin()[3] + written.GetSpacing()[3] * t for t in range(SIZE_4D[3])]

    # Record what the source hands over per step: one volume, never the 4-D file.
    read_sizes = []
    original = FileSource.read_box

    def recording(self, *args, **kwargs):
        voxels = original(self, *args, **kwargs)
        read_sizes.append(voxels_size(voxels))
        return voxels

    monkeypatch.setattr(FileSource, "read_box", recording)

    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    info = reader.GetOutputInformation(0)
    assert list(info.Get(SDDP.TIME_STEPS())) == pytest.approx(expected_times)
    assert info.Get(SDDP.WHOLE_EXTENT()) == (0, 5, 0, 4, 0, 3)

    for step in [2, 0, 1]:
        reader.UpdateTimeStep(expected_times[step])
        output = reader.GetOutputDataObject(0)
        np.testing.assert_array_equal(vtk_values(output), xyzt_values()[step])
        assert output.GetInformation().Get(vtkDataObject.DATA_TIME_STEP()) == pytest.approx(expected_times[step])
        for index in corners(SIZE_4D[:3]):
            np.testing.assert_allclose(vtk_world(output, index), _expected_world_4d(index), atol=1e-4)
    assert read_sizes == [SIZE_4D[:3]] * 3


def test_time_as_components(tmp_path):
    path = str(tmp_path / "series.nrrd")
    sitk.WriteImage(image_4d(np.int16), path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.SetTimeAsComponents(True)
    reader.Update()
    assert not reader.GetOutputInformation(0).Has(SDDP.TIME_STEPS())
    output = reader.GetOutputDataObject(0)
    scalars = output.GetPointData().GetScalars()
    assert scalars.GetNumberOfComponents() == SIZE_4D[3]
    # component t of voxel (x, y, z) is the value of volume t
    np.testing.assert_array_equal(vtk_values(output), np.moveaxis(xyzt_values(np.int16), 0, -1))
    assert scalars.GetComponentName(1) == f"t={ORIGIN_4D[3] + SPACING_4D[3]:g}"

"""SimpleITKReader as a VTK pipeline source: extents, zero copy, coordinate systems, progress."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkCommand, vtkObject
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D

import sitkvtk
from synthetic import corners, oblique_image, sitk_world, vtk_values, vtk_world

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


def test_zero_copy_buffer_is_simpleitk_buffer_and_outlives_everything():
    image = oblique_image(np.float32, 3, size=(7, 6, 5))
    expected = sitk.GetArrayFromImage(image).copy()
    view = sitk.GetArrayViewFromImage(image)
    vtk_image = sitkvtk.vtk_image_from_image(image)
    array = vtk_image.GetPointData().GetScalars()
    vtk_address = numpy_support.vtk_to_numpy(array).__array_interface__["data"][0]
    assert vtk_address == view.__array_interface__["data"][0]

    del image, view, array
    gc.collect()
    # Churn the allocator so a freed buffer would be overwritten.
    junk = [np.full(7 * 6 * 5, -1.0, dtype=np.float32) for _ in range(200)]
    del junk
    gc.collect()
    np.testing.assert_array_equal(vtk_values(vtk_image), expected)


def test_copy_true_owns_its_buffer():
    image = oblique_image(np.uint16, 3)
    vtk_image = sitkvtk.vtk_image_from_image(image, copy=True)
    address = numpy_support.vtk_to_numpy(vtk_image.GetPointData().GetScalars()).__array_interface__["data"][0]
    assert address != sitk.GetArrayViewFromImage(image).__array_interface__["data"][0]
    np.testing.assert_array_equal(vtk_values(vtk_image), sitk.GetArrayViewFromImage(image))


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


@pytest.mark.parametrize("extent", [(0, 13, 0, 10, 0, 8), (-1, 3, 0, 0, 0, 0), (4, 3, 0, 0, 0, 0)])
def test_read_refuses_an_extent_outside_the_image(tmp_path, volume, extent):
    path = _write(tmp_path, volume, ".mha")
    with pytest.raises(sitkvtk.ReadError, match="not inside"):
        sitkvtk.read(path, extent=extent)


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

"""4-D images and file series as time steps; 4-D as components on request."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkCommonDataModel import vtkDataObject
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as SDDP

import sitkvtk
from sitkvtk import sources
from sitkvtk.bridge import voxels_size
from synthetic import corners, oblique_image, rotation_3d, vtk_values, vtk_world

SIZE = (6, 5, 4, 3)  # x, y, z, t
ORIGIN = (-20.0, 13.5, 7.25, 2.5)
SPACING = (0.9, 1.4, 2.2, 0.75)


def _xyzt_values(dtype=np.int32):
    """(t, z, y, x) array whose value encodes (x, y, z, t)."""
    t, z, y, x = np.indices(SIZE[::-1])
    return (x + 10 * y + 100 * z + 1000 * t).astype(dtype)


def _image_4d(dtype=np.int32):
    image = sitk.GetImageFromArray(_xyzt_values(dtype), isVector=False)
    direction = np.eye(4)
    direction[:3, :3] = rotation_3d()
    image.SetDirection(direction.ravel().tolist())
    image.SetOrigin(ORIGIN)
    image.SetSpacing(SPACING)
    return image


def _expected_world(index):
    return np.array(ORIGIN[:3]) + rotation_3d() @ (np.array(SPACING[:3]) * index)


@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".mha", ".nrrd"])
def test_each_time_step_has_its_values_and_the_geometry(tmp_path, ext, monkeypatch):
    path = str(tmp_path / f"series{ext}")
    sitk.WriteImage(_image_4d(), path)
    written = sitk.ReadImage(path)
    expected_times = [written.GetOrigin()[3] + written.GetSpacing()[3] * t for t in range(SIZE[3])]

    # Record what the source hands over per step: one volume, never the 4-D file.
    read_sizes = []
    original = sources.FileSource.read_box

    def recording(self, *args, **kwargs):
        voxels = original(self, *args, **kwargs)
        read_sizes.append(voxels_size(voxels))
        return voxels

    monkeypatch.setattr(sources.FileSource, "read_box", recording)

    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.UpdateInformation()
    info = reader.GetOutputInformation(0)
    assert list(info.Get(SDDP.TIME_STEPS())) == pytest.approx(expected_times)
    assert info.Get(SDDP.WHOLE_EXTENT()) == (0, 5, 0, 4, 0, 3)

    for step in [2, 0, 1]:
        reader.UpdateTimeStep(expected_times[step])
        output = reader.GetOutputDataObject(0)
        np.testing.assert_array_equal(vtk_values(output), _xyzt_values()[step])
        assert output.GetInformation().Get(vtkDataObject.DATA_TIME_STEP()) == pytest.approx(expected_times[step])
        for index in corners(SIZE[:3]):
            np.testing.assert_allclose(vtk_world(output, index), _expected_world(index), atol=1e-4)
    assert read_sizes == [SIZE[:3]] * 3


def test_read_time_step_and_extent_together(tmp_path):
    path = str(tmp_path / "series.mha")
    sitk.WriteImage(_image_4d(), path)
    part = sitkvtk.read(path, time_step=2, extent=(1, 3, 0, 4, 2, 2))
    np.testing.assert_array_equal(vtk_values(part), _xyzt_values()[2, 2:3, 0:5, 1:4])
    with pytest.raises(sitkvtk.ReadError, match="time step 3 out of range"):
        sitkvtk.read(path, time_step=3)


def test_time_as_components(tmp_path):
    path = str(tmp_path / "series.nrrd")
    sitk.WriteImage(_image_4d(np.int16), path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    reader.SetTimeAsComponents(True)
    reader.Update()
    assert not reader.GetOutputInformation(0).Has(SDDP.TIME_STEPS())
    output = reader.GetOutputDataObject(0)
    scalars = output.GetPointData().GetScalars()
    assert scalars.GetNumberOfComponents() == SIZE[3]
    # component t of voxel (x, y, z) is the value of volume t
    np.testing.assert_array_equal(vtk_values(output), np.moveaxis(_xyzt_values(np.int16), 0, -1))
    assert scalars.GetComponentName(1) == f"t={ORIGIN[3] + SPACING[3]:g}"


def test_file_series_is_time(tmp_path):
    paths = []
    for t in range(3):
        image = oblique_image(np.float32, 3)
        image = image + float(1000 * t)
        path = str(tmp_path / f"scan_{t:03d}.nii.gz")
        sitk.WriteImage(image, path)
        paths.append(path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileNames(paths)
    reader.UpdateInformation()
    assert list(reader.GetOutputInformation(0).Get(SDDP.TIME_STEPS())) == [0.0, 1.0, 2.0]
    first = oblique_image(np.float32, 3)
    for t in (2, 1):
        reader.UpdateTimeStep(t)
        output = reader.GetOutputDataObject(0)
        np.testing.assert_array_equal(vtk_values(output), sitk.GetArrayViewFromImage(first) + 1000 * t)
        for index in corners(first.GetSize()):
            np.testing.assert_allclose(
                vtk_world(output, index), first.TransformIndexToPhysicalPoint(index), atol=1e-4
            )


def test_file_series_member_that_does_not_match_is_named(tmp_path):
    good = str(tmp_path / "a_000.mha")
    odd = str(tmp_path / "a_001.mha")
    sitk.WriteImage(oblique_image(np.int16, 3), good)
    sitk.WriteImage(oblique_image(np.int16, 3, size=(6, 4, 3)), odd)
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read([good, odd], time_step=1)
    assert odd in str(caught.value) and "does not match" in str(caught.value)

"""A list of files as a time series (sources/series.py): one volume per file, each where its
file puts it; a file that does not match the first is named."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as SDDP

import sitkvtk
from synthetic import corners, oblique_image, vtk_values, vtk_world


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

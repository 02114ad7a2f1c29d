"""The header text on the reader's output survives VTK's legacy serializer.

ParaView moves data between ranks and to its client in VTK's legacy format. A field
array named "MetaData" collided with that format's METADATA keyword and the data read
back empty (seen as missing area in IntegrateVariables under mpiexec). Every output
mode and the DICOM tags are written and read back here.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkFiltersCore import vtkContourFilter
from vtkmodules.vtkIOLegacy import vtkDataSetReader, vtkDataSetWriter

from sitkvtk.world.modes import OUTPUT_MODES
from sitkvtk.world.reader import WorldImageReader
from synthetic import oblique_image


def _legacy_round_trip(data):
    writer = vtkDataSetWriter()
    writer.WriteToOutputStringOn()
    writer.SetInputData(data)
    writer.Write()
    reader = vtkDataSetReader()
    reader.ReadFromInputStringOn()
    reader.SetInputString(writer.GetOutputString())
    reader.Update()
    return reader.GetOutput()


@pytest.mark.parametrize("mode", OUTPUT_MODES)
def test_output_and_contour_survive_the_legacy_format(tmp_path, mode):
    path = str(tmp_path / "oblique.nii")  # NIfTI: header keys with empty values
    sitk.WriteImage(oblique_image(np.float32, 3, size=(12, 11, 10)), path)
    reader = WorldImageReader()
    reader.SetFileName(path)
    reader.SetOutputMode(mode)
    reader.Update()
    output = reader.GetOutputDataObject(0)
    assert output.GetFieldData().GetAbstractArray("HeaderKeys").GetNumberOfValues() > 10

    back = _legacy_round_trip(output)
    assert back.GetNumberOfPoints() == output.GetNumberOfPoints()
    assert back.GetFieldData().GetNumberOfArrays() == output.GetFieldData().GetNumberOfArrays()

    contour = vtkContourFilter()
    contour.SetInputData(output)
    contour.SetValue(0, 600.0)
    contour.Update()
    assert contour.GetOutput().GetNumberOfCells() > 0
    assert _legacy_round_trip(contour.GetOutput()).GetNumberOfCells() == contour.GetOutput().GetNumberOfCells()

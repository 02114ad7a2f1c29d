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


def test_text_that_is_not_utf8_reaches_vtk_as_utf8(tmp_path):
    """Latin-1 bytes in a NIfTI descrip, an NRRD field and a MetaImage field: every string on
    the output is valid UTF-8 (VTK aborts the process on anything else)."""
    from sitkvtk.reader import SimpleITKReader

    image = oblique_image(np.int16, 3, size=(4, 3, 2))
    paths = []
    for ext, edit in ((".nii", lambda d: d[:148] + b"Sch\xe4del\0" + d[156:]),
                      (".nrrd", lambda d: d.replace(b"\n\n", b"\nSch\xe4del:=Gr\xfc\xdfe\n\n", 1)),
                      (".mha", lambda d: d.replace(b"ObjectType", b"Comment = Sch\xe4del\nObjectType", 1))):
        path = tmp_path / f"latin1{ext}"
        sitk.WriteImage(image, str(path))
        path.write_bytes(edit(path.read_bytes()))
        paths.append(str(path))
    for path in paths:
        reader = SimpleITKReader()
        reader.SetFileName(path)
        reader.Update()
        assert reader.last_error is None
        fields = reader.GetOutputDataObject(0).GetFieldData()
        for i in range(fields.GetNumberOfArrays()):
            array = fields.GetAbstractArray(i)
            for j in range(array.GetNumberOfValues()):
                array.GetValue(j).encode("utf-8")  # raises on a lone surrogate

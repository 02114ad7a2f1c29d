"""Run by tests/paraview/test_paraview_writer.py inside pvbatch:

    pvbatch tests/paraview/pv_writer.py INPUT OUT_FOLDER OUT.json

Opens INPUT with the SimpleITK Reader (image mode: the writer takes vtkImageData),
applies a Calculator (2 * value + 1), saves it through ParaView's writer factory as
File > Save Data does, and records what ParaView offered and chose.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.simple import Calculator, CreateWriter, LoadPlugin

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.join(HERE, os.pardir, os.pardir, "plugin", "SimpleITKPlugin.py")
LoadPlugin(os.path.abspath(PLUGIN), ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin

source, folder, report_path = sys.argv[1:4]
report = {}

reader = SimpleITKReader(FileName=source)
reader.UpdatePipeline()
report["auto_type"] = reader.GetDataInformation().GetDataSetTypeAsString()
reader.OutputMode = "Image (direction matrix)"
reader.UpdatePipeline()
report["image_type"] = reader.GetDataInformation().GetDataSetTypeAsString()

calculator = Calculator(Input=reader)
calculator.Function = f"2 * {reader.PointData[0].GetName()} + 1"
calculator.ResultArrayName = "doubled"
calculator.UpdatePipeline()
report["calculator_type"] = calculator.GetDataInformation().GetDataSetTypeAsString()

factory = servermanager.vtkSMProxyManager.GetProxyManager().GetWriterFactory()
report["file_types"] = factory.GetSupportedFileTypes(calculator.SMProxy, 0)

report["written"] = {}
for name in ("out.nii.gz", "out.nrrd", "out.mha"):
    path = os.path.join(folder, name)
    writer = CreateWriter(path, calculator)
    writer.UpdatePipeline()
    report["written"][name] = writer.GetXMLName()

# the array chosen by name, uncompressed
writer = CreateWriter(os.path.join(folder, "original.nrrd"), calculator)
writer.ArrayName = reader.PointData[0].GetName()
writer.Compression = 0
writer.UpdatePipeline()

# a folder that does not exist: an error message, no file, no crash
writer = CreateWriter(os.path.join(folder, "missing", "out.nii"), calculator)
writer.UpdatePipeline()

# world points (the reader's default for an oblique file) are not image data
reader.OutputMode = "Auto"
reader.UpdatePipeline()
report["auto_file_types"] = factory.GetSupportedFileTypes(reader.SMProxy, 0)

with open(report_path, "w") as handle:
    json.dump(report, handle)

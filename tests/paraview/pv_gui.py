"""Run by the ParaView GUI: ``paraview --script=tests/paraview/pv_gui.py --exit``.

Opens SITKVTK_GUI_FILE (default: the embedded sample) through the plugin, shows its
outline and a slice through its centre across world z, and saves the view to
SITKVTK_GUI_PNG. The GUI passes no arguments to a script, hence the environment.
"""

import os

from paraview.simple import (
    ColorBy,
    GetActiveViewOrCreate,
    GetColorTransferFunction,
    LoadPlugin,
    OpenDataFile,
    Render,
    ResetCamera,
    SaveScreenshot,
    SetActiveSource,
    Show,
    Slice,
)

import sitkvtk.sample

# A GUI script has no __file__: find the plugin through the package beside it (on PYTHONPATH).
PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(sitkvtk.sample.__file__)))
LoadPlugin(os.path.join(PLUGIN_DIR, "SimpleITKPlugin.py"), ns=globals())

path = os.environ.get("SITKVTK_GUI_FILE") or str(sitkvtk.sample.sample_path())
# OpenDataFile picks ParaView's own reader for .mha and .nrrd: name ours.
if path.endswith((".nii", ".nii.gz")):
    reader = OpenDataFile(path)
else:
    reader = globals()["SimpleITKReader"](FileName=path)
reader.UpdatePipeline()
bounds = reader.GetDataInformation().GetBounds()
centre = [(bounds[2 * a] + bounds[2 * a + 1]) / 2 for a in range(3)]

view = GetActiveViewOrCreate("RenderView")
outline = Show(reader, view)
outline.SetRepresentationType("Outline")
cut = Slice(Input=reader)
cut.SliceType.Origin = centre
cut.SliceType.Normal = [0.0, 0.0, 1.0]
shown = Show(cut, view)
ColorBy(shown, ("POINTS", reader.PointData[0].GetName()))
shown.RescaleTransferFunctionToDataRange(True)
GetColorTransferFunction(reader.PointData[0].GetName()).ApplyPreset("Grayscale", True)
view.CameraPosition = [centre[0] + 250.0, centre[1] - 400.0, centre[2] + 500.0]
view.CameraFocalPoint = centre
view.CameraViewUp = [0.0, 0.0, 1.0]
ResetCamera(view)
view.GetActiveCamera().Dolly(1.6)
SetActiveSource(reader)  # so the Properties and Information panels show the reader
Render(view)
png = os.environ.get("SITKVTK_GUI_PNG")
if png:
    SaveScreenshot(png, view, ImageResolution=[600, 450])
print("pv_gui done", reader.GetXMLName(), reader.GetDataInformation().GetDataSetTypeAsString(), flush=True)

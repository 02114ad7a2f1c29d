"""Where ParaView puts an oblique image, run by tests/paraview/test_paraview_matrix.py:

    xvfb-run -a -s -noreset pvbatch tests/paraview/pv_matrix.py OUT_DIR FILE.mha FILE.nrrd \
        CONTOUR_VALUE CX CY CZ NX NY NZ SCALE

For the SimpleITK Reader's default output mode (Auto) and for its Image (direction matrix) mode,
on FILE.mha: the Contour filter (its default settings), the Clip and Slice filters (a plane
through world point C with normal N), and the Outline, Surface, Slice and Volume
representations, each alone in a top view (along world -z, parallel projection, centred on C,
SCALE world units from the centre to the top edge, 400x400 pixels, black background) saved as
OUT_DIR/<mode>-<representation>.png; then ``OpenDataFile`` on FILE.mha and FILE.nrrd. Writes
what it saw to OUT_DIR/seen.json; the test judges it against SimpleITK's geometry.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.simple import (
    Clip,
    ColorBy,
    Contour,
    GetActiveViewOrCreate,
    GetOpacityTransferFunction,
    Hide,
    LoadPlugin,
    OpenDataFile,
    Render,
    SaveScreenshot,
    Show,
    Slice,
)
from vtkmodules.util.numpy_support import vtk_to_numpy

PLUGIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "plugin",
                      "SimpleITKPlugin.py")
LoadPlugin(os.path.abspath(PLUGIN), ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin

MODES = {"Auto": "Auto", "Image": "Image (direction matrix)"}


def _points(proxy):
    data = servermanager.Fetch(proxy)
    if data is None or data.GetNumberOfPoints() == 0:
        return []
    return vtk_to_numpy(data.GetPoints().GetData()).astype(float).tolist()


def main(out_dir, mha, nrrd, value, cx, cy, cz, nx, ny, nz, scale):
    centre, normal = [cx, cy, cz], [nx, ny, nz]
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [400, 400]
    view.OrientationAxesVisibility = 0
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.Background = [0.0, 0.0, 0.0]
    seen = {"modes": {}}
    first = True
    for mode, text in MODES.items():
        reader = SimpleITKReader(FileName=mha)
        reader.OutputMode = text
        reader.UpdatePipeline()
        name = reader.PointData[0].GetName()
        low, high = reader.PointData[0].GetRange()
        result = {"type": reader.GetDataInformation().GetDataSetTypeAsString()}

        contour = Contour(Input=reader, ContourBy=["POINTS", name], Isosurfaces=[value])
        result["contour"] = _points(contour)
        clip = Clip(Input=reader)
        clip.ClipType = "Plane"
        clip.ClipType.Origin = centre
        clip.ClipType.Normal = normal
        result["clip"] = _points(clip)
        cut = Slice(Input=reader)
        cut.SliceType = "Plane"
        cut.SliceType.Origin = centre
        cut.SliceType.Normal = normal
        result["slice_filter"] = _points(cut)

        display = Show(reader, view)
        result["opened_as"] = display.SMProxy.GetProperty("Representation").GetElement(0)
        available = [str(name) for name in display.GetProperty("Representation").Available]
        if first:  # paraview.simple resets the camera at the first render: have it done
            Render(view)
            first = False
        for representation in ("shown_on_open", "Outline", "Surface", "Slice", "Volume"):
            kind = result["opened_as"] if representation == "shown_on_open" else representation
            if kind not in available:
                result[representation] = None  # ParaView does not offer it for this output
                continue
            display.SetRepresentationType(kind)
            ColorBy(display, ("POINTS", name))
            display.RescaleTransferFunctionToDataRange(True)
            if kind == "Volume":  # every voxel opaque, so the whole volume shows
                GetOpacityTransferFunction(name).Points = [low, 1.0, 0.5, 0.0, high, 1.0, 0.5, 0.0]
            view.CameraParallelProjection = 1
            view.CameraFocalPoint = centre
            view.CameraPosition = [cx, cy, cz + 1000.0]
            view.CameraViewUp = [0.0, 1.0, 0.0]
            view.CameraParallelScale = scale
            Render(view)
            png = os.path.join(out_dir, f"{mode}-{representation}.png")
            SaveScreenshot(png, view, ImageResolution=[400, 400])
            entry = {"png": png, "representation": kind}
            if kind == "Slice":
                entry["slice"] = int(display.Slice)
                entry["slice_mode"] = display.SMProxy.GetProperty("SliceMode").GetElement(0)
            result[representation] = entry
        Hide(reader, view)
        seen["modes"][mode] = result

    for path in (mha, nrrd):
        opened = OpenDataFile(path)
        opened.UpdatePipeline()
        seen[os.path.splitext(path)[1]] = {"xml_name": opened.GetXMLName(),
                                           "bounds": list(opened.GetDataInformation().GetBounds())}
    with open(os.path.join(out_dir, "seen.json"), "w") as stream:
        json.dump(seen, stream)


if __name__ == "__main__":
    out, mha_file, nrrd_file, *numbers = sys.argv[1:]
    main(out, mha_file, nrrd_file, *map(float, numbers))
    print("pv_matrix done", flush=True)

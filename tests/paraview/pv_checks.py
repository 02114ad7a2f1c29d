"""Checks run inside ParaView (pvbatch / pvpython / the GUI) by tests/paraview/test_paraview.py.

    pvbatch tests/paraview/pv_checks.py COMMAND OUT.json ARGS...

Each command loads the plugin, does its work and writes what it saw to OUT.json;
the test compares that with sitkvtk in plain Python.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.simple import (
    Contour,
    GetActiveViewOrCreate,
    Hide,
    LoadPlugin,
    OpenDataFile,
    Render,
    ResetCamera,
    SaveScreenshot,
    Show,
)

PLUGIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "plugin", "SimpleITKPlugin.py")
LoadPlugin(os.path.abspath(PLUGIN), ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin


def _summary(proxy):
    proxy.UpdatePipeline()
    info = proxy.GetDataInformation()
    arrays = proxy.PointData
    return {
        "xml_name": proxy.GetXMLName(),
        "type": info.GetDataSetTypeAsString(),
        "points": info.GetNumberOfPoints(),
        "bounds": list(info.GetBounds()),
        "range": list(arrays[0].GetRange()) if len(arrays) else None,
    }


def read(paths):
    """Our reader and OpenDataFile on each path, and which readers ParaView offers."""
    factory = servermanager.vtkSMProxyManager.GetProxyManager().GetReaderFactory()
    session = servermanager.ActiveConnection.Session
    result = {}
    for path in paths:
        reader = SimpleITKReader(FileName=path)
        reader.UpdatePipelineInformation()
        offered = factory.GetReaders(path, session)
        result[path] = {
            "ours": _summary(reader),
            "opened": _summary(OpenDataFile(path)),
            "offered": [offered.GetString(i) for i in range(1, offered.GetLength(), 3)],
            "info": {name: reader.GetPropertyValue(name)
                     for name in ("SizeInfo", "SpacingInfo", "DirectionInfo", "PixelTypeInfo", "HeaderKeysInfo")},
            "field_data": sorted(reader.FieldData.keys()),
        }
        reader.OutputMode = "Image (direction matrix)"
        result[path]["image_mode"] = _summary(reader)
    return result


def modes(path):
    """Each output mode of ``path``; with mpiexec, how many ranks produced a piece."""
    import paraview.simple as simple

    reader = SimpleITKReader(FileName=path)
    # ParaView 5.13 has ProcessIds, whose point array is "PointProcessIds"; 5.11 has only
    # ProcessIdScalars, whose array is "ProcessId". Take the filter there is, and its array.
    ids = getattr(simple, "ProcessIds", None) or simple.ProcessIdScalars
    result = {}
    for mode, text in (("Image", "Image (direction matrix)"), ("StructuredGrid", "Structured grid (world points)"),
                       ("Resampled", "Resampled to world axes")):
        reader.OutputMode = text
        summary = _summary(reader)
        tagged = ids(Input=reader)
        tagged.UpdatePipeline()
        name = "PointProcessIds" if "PointProcessIds" in tagged.PointData.keys() else "ProcessId"
        ranks = tagged.PointData[name].GetRange()
        summary["pieces"] = int(ranks[1]) + 1 if ranks[0] == 0 else -1
        result[mode] = summary
    return result


def contour(path, value):
    """Points of ParaView's Contour of ``path`` in the reader's default mode."""
    reader = SimpleITKReader(FileName=path)
    surface = Contour(Input=reader, ContourBy=["POINTS", reader.PointData[0].GetName()], Isosurfaces=[value])
    surface.UpdatePipeline()
    data = servermanager.Fetch(surface)
    points = data.GetPoints()
    return {
        "bounds": list(data.GetBounds()),
        "points": [list(points.GetPoint(i)) for i in range(points.GetNumberOfPoints())] if points else [],
    }


def screenshot(*paths_and_pngs):
    """Top views (along world z, parallel projection) on black: FILE PNG [FILE PNG ...]."""
    view = GetActiveViewOrCreate("RenderView")
    view.ViewSize = [400, 400]
    view.OrientationAxesVisibility = 0
    if hasattr(view, "UseColorPaletteForBackground"):
        view.UseColorPaletteForBackground = 0
    view.Background = [0.0, 0.0, 0.0]
    view.CameraParallelProjection = 1
    types = []
    for path, png in zip(paths_and_pngs[0::2], paths_and_pngs[1::2], strict=False):
        reader = SimpleITKReader(FileName=path)
        display = Show(reader, view)
        display.SetRepresentationType("Surface")
        view.CameraPosition = [0.0, 0.0, 1000.0]
        view.CameraFocalPoint = [0.0, 0.0, 0.0]
        view.CameraViewUp = [0.0, 1.0, 0.0]
        ResetCamera(view)
        Render(view)
        SaveScreenshot(png, view, ImageResolution=[400, 400])
        types.append(reader.GetDataInformation().GetDataSetTypeAsString())
        Hide(reader, view)
    return {"types": types}


def bad(path, good):
    """A corrupt file, then a good one: the script must go on."""
    broken = SimpleITKReader(FileName=path)
    broken.UpdatePipeline()
    points = broken.GetDataInformation().GetNumberOfPoints()
    after = _summary(SimpleITKReader(FileName=good))
    return {"bad_points": points, "after": after}


def glyph(path):
    """A 3-component float image shown as vectors: line glyphs along each voxel's vector."""
    from paraview.simple import Glyph
    from vtkmodules.util.numpy_support import vtk_to_numpy

    reader = SimpleITKReader(FileName=path)
    reader.UpdatePipeline()
    name = reader.PointData[0].GetName()
    glyphs = Glyph(Input=reader, GlyphType="Line", OrientationArray=["POINTS", name],
                   ScaleArray=["POINTS", name], GlyphMode="All Points")
    glyphs.ScaleFactor = 1.0  # after ScaleArray, whose domain resets it from the data range
    glyphs.GlyphType.Resolution = 1  # each line: its two ends only
    data = servermanager.Fetch(glyphs)
    return {"components": reader.PointData[0].GetNumberOfComponents(),
            "points": vtk_to_numpy(data.GetPoints().GetData()).astype(float).tolist()}


COMMANDS = {"read": lambda args: read(args), "modes": lambda args: modes(args[0]),
            "glyph": lambda args: glyph(args[0]),
            "contour": lambda args: contour(args[0], float(args[1])),
            "screenshot": lambda args: screenshot(*args), "bad": lambda args: bad(*args)}

if __name__ == "__main__":
    command, out, *arguments = sys.argv[1:]
    with open(out, "w") as stream:
        json.dump(COMMANDS[command](arguments), stream)
    print("pv_checks done", command, flush=True)

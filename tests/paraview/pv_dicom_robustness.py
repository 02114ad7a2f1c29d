"""Run by tests/paraview/test_paraview_dicom_robustness.py inside pvbatch:

    pvbatch tests/paraview/pv_dicom_robustness.py OUT.json GOOD TEXT BAD...

Opens each bad DICOM file through the plugin, reading the good file after each one, and
opens TEXT (a valid file with non-ASCII text in its own character set) alone and as a
series; writes the points of each read and the text ParaView got. The session must live
to write OUT.json.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.simple import Delete, LoadPlugin

PLUGIN = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "plugin", "SimpleITKPlugin.py"
)
LoadPlugin(os.path.abspath(PLUGIN), ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin


def points(path):
    reader = SimpleITKReader(FileName=path)
    reader.UpdatePipeline()
    count = reader.GetDataInformation().GetNumberOfPoints()
    Delete(reader)
    return count


def text_read(path, whole):
    reader = SimpleITKReader(FileName=path, WholeSeries=whole)
    reader.UpdatePipeline()
    image = servermanager.Fetch(reader)
    description = image.GetFieldData().GetAbstractArray("DICOM_SeriesDescription")
    reader.UpdatePipelineInformation()
    keys = reader.GetProperty("HeaderKeysInfo").GetElement(0)
    seen = {
        "whole": whole,
        "dimensions": list(image.GetDimensions()),
        "description": description.GetValue(0) if description is not None else None,
        "header_keys": keys,
    }
    Delete(reader)
    return seen


if __name__ == "__main__":
    out, good, text, *bad = sys.argv[1:]
    seen = {"bad": [], "text": [text_read(text, 0), text_read(text, 1)]}
    for path in bad:
        print("opening", path, flush=True)
        seen["bad"].append({"path": path, "points": points(path), "good_after": points(good)})
    with open(out, "w", encoding="utf-8") as stream:
        json.dump(seen, stream, ensure_ascii=False)
    print("pv_dicom_robustness done", len(seen["bad"]), flush=True)

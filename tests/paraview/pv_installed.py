"""Run by pvbatch or pvpython with nothing set up but what the test says: loads the plugin file
given (``sitkvtk paraview path``, or a wheel's installed copy; "-": load nothing, the install's
auto-load must have done it), reads IMAGE and prints what it got.

    pvbatch pv_installed.py PLUGIN IMAGE
"""

import json
import sys

from paraview.simple import LoadPlugin, OpenDataFile

plugin, image = sys.argv[1:3]
if plugin != "-":
    LoadPlugin(plugin, ns=globals())
reader = OpenDataFile(image)
reader.UpdatePipeline()
info = reader.GetDataInformation()
values = reader.PointData[0].GetRange() if len(reader.PointData) else None

import sitkvtk  # noqa: E402  (the copy the plugin made importable)

try:
    import isal  # noqa: E402  (the install's too: .nii.gz inflates through ISA-L)
except ImportError:
    isal = None

print("pv_installed " + json.dumps({
    "reader": reader.GetXMLName(),
    "bounds": info.GetBounds(),
    "points": info.GetNumberOfPoints(),
    "range": values,
    "sitkvtk": sitkvtk.__file__,
    "isal": isal.__file__ if isal is not None else None,
}), flush=True)

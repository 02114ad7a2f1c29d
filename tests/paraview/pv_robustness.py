"""Run by tests/paraview/test_paraview_robustness.py inside pvbatch:

    pvbatch tests/paraview/pv_robustness.py OUT.json GOOD BAD...

Opens each bad file through the plugin, reading the good file after each one; writes
the number of points each read gave. The session must live to write OUT.json.
"""

import json
import os
import sys

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


if __name__ == "__main__":
    out, good, *bad = sys.argv[1:]
    seen = []
    for path in bad:
        print("opening", path, flush=True)
        seen.append({"path": path, "points": points(path), "good_after": points(good)})
    with open(out, "w") as stream:
        json.dump(seen, stream)
    print("pv_robustness done", len(seen), flush=True)

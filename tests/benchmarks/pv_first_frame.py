"""pvbatch: open one file and render the first frame; print the time and the memory as JSON.

    pvbatch pv_first_frame.py READER PATH PLUGIN

READER: "OpenDataFile" (ParaView picks the reader), or an output mode of the SimpleITK
Reader ("Image (direction matrix)", "Structured grid (world points)", ...). Run by
bench_paraview.py, one file per process.
"""

import json
import sys
import time

from paraview.simple import Delete, GetActiveViewOrCreate, LoadPlugin, OpenDataFile, Render, Show, Sphere

reader_kind, path, plugin = sys.argv[1:4]
LoadPlugin(plugin, ns=globals())


def status(field):
    # VmHWM, not ru_maxrss: ru_maxrss survives exec and would carry the parent's peak.
    with open("/proc/self/status") as stream:
        for line in stream:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024


view = GetActiveViewOrCreate("RenderView")
warm = Sphere()  # the render window and its OpenGL context made before the clock starts
Show(warm, view)
Render(view)
Delete(warm)
try:  # peak from now on
    with open("/proc/self/clear_refs", "w") as stream:
        stream.write("5")
except OSError:
    pass
base = status("VmRSS")
start = time.perf_counter()
if reader_kind == "OpenDataFile":
    source = OpenDataFile(path)
else:
    source = SimpleITKReader(FileName=path)  # noqa: F821 - made by LoadPlugin
    source.OutputMode = reader_kind
source.UpdatePipeline()
read = time.perf_counter() - start
display = Show(source, view)
Render(view)
seconds = time.perf_counter() - start
data = source.GetDataInformation()
print(json.dumps({
    "seconds": seconds, "read": read, "peak_above": max(status("VmHWM") - base, 0),
    "reader": source.GetXMLLabel(), "data": data.GetDataSetTypeAsString(),
    "points": data.GetNumberOfPoints(), "representation": str(display.Representation),
}))

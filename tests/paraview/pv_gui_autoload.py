"""Run by the ParaView GUI after ``sitkvtk paraview install``: opens SITKVTK_GUI_FILE with
OpenDataFile and loads nothing itself, so it works only if the GUI auto-loaded the plugin.

    paraview --script=pv_gui_autoload.py --exit
"""

import json
import os

from paraview.simple import OpenDataFile

reader = OpenDataFile(os.environ["SITKVTK_GUI_FILE"])
reader.UpdatePipeline()
print("pv_gui_autoload " + json.dumps({
    "reader": reader.GetXMLName(),
    "bounds": reader.GetDataInformation().GetBounds(),
}), flush=True)

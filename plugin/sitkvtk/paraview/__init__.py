"""The ParaView face: the plugin file ParaView loads, and the set-up that makes ParaView find it.

Nothing here imports ParaView: ``SimpleITKPlugin.py`` runs inside ParaView only.
"""

import os

#: The plugin file, inside the installed package (``sitkvtk paraview path``).
PLUGIN_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "SimpleITKPlugin.py")

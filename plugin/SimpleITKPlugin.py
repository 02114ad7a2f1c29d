"""ParaView plugin file for a checkout: runs the packaged plugin, sitkvtk/paraview/SimpleITKPlugin.py.

ParaView registers the proxies of the module it loads, so the packaged code runs here, in
this module's namespace (its classes keep this module's name). ``__file__`` becomes the
packaged file's path, so the packaged code finds the package and a reload reads it again.
"""

import os

__file__ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sitkvtk", "paraview", "SimpleITKPlugin.py")
with open(__file__, encoding="utf-8") as _source:
    exec(compile(_source.read(), __file__, "exec"))

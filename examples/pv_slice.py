"""pvpython / pvbatch example: open an image with the SimpleITK plugin, slice it, save a picture.

    export PYTHONPATH=/path/to/sitkvtk/plugin:/path/to/sitkvtk/.pvsite
    pvpython examples/pv_slice.py [IMAGE] [-o slice.png]

Without IMAGE it opens the embedded sample (an oblique head phantom). The slice is
taken across world z through the image's centre, so on an oblique image it cuts
the voxel grid at an angle; the outline shows the image's rotated box.
Needs a display: on a headless machine run ``xvfb-run -a pvpython ...``.
"""

import argparse
import os

from paraview.simple import (
    ColorBy,
    GetActiveViewOrCreate,
    GetColorTransferFunction,
    LoadPlugin,
    Render,
    ResetCamera,
    SaveScreenshot,
    Show,
    Slice,
)

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "plugin")
LoadPlugin(os.path.abspath(os.path.join(PLUGIN_DIR, "SimpleITKPlugin.py")), ns=globals())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=os.path.join(PLUGIN_DIR, "sitkvtk", "data", "phantom.mha"))
    parser.add_argument("-o", "--output", default="slice.png")
    args = parser.parse_args()

    # SimpleITKReader is made by LoadPlugin from the proxy's label "SimpleITK Reader".
    reader = SimpleITKReader(FileName=os.path.abspath(args.image))  # noqa: F821
    reader.UpdatePipeline()
    info = reader.GetDataInformation()
    bounds = info.GetBounds()
    centre = [(bounds[2 * a] + bounds[2 * a + 1]) / 2 for a in range(3)]

    cut = Slice(Input=reader)
    cut.SliceType.Origin = centre
    cut.SliceType.Normal = [0.0, 0.0, 1.0]

    view = GetActiveViewOrCreate("RenderView")
    Show(reader, view).SetRepresentationType("Outline")
    slice_display = Show(cut, view)
    ColorBy(slice_display, ("POINTS", reader.PointData[0].GetName()))
    slice_display.RescaleTransferFunctionToDataRange(True)
    GetColorTransferFunction(reader.PointData[0].GetName()).ApplyPreset("Grayscale", True)
    view.CameraPosition = [centre[0] + 300.0, centre[1] - 450.0, centre[2] + 550.0]
    view.CameraFocalPoint = centre
    view.CameraViewUp = [0.0, 0.0, 1.0]
    ResetCamera(view)
    Render(view)
    SaveScreenshot(args.output, view, ImageResolution=[800, 600])
    print(f"{args.image}: {info.GetDataSetTypeAsString()}, {info.GetNumberOfPoints()} points; "
          f"slice at z = {centre[2]:.1f} saved to {args.output}")


if __name__ == "__main__":
    main()

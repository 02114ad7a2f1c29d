"""Off-screen picture of an image: three orthogonal slices through its centre, in world space.

The reader is the pipeline source; each slice is a ``vtkImageSlice`` whose mapper
honours the direction matrix, so an oblique image is drawn rotated where it lies.
"""

from __future__ import annotations

import os

from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkImageSlice,
    vtkImageSliceMapper,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkWindowToImageFilter,
)

# Register the OpenGL implementations of the rendering classes above.
import vtkmodules.vtkRenderingOpenGL2 as _opengl  # noqa: I001  isort: skip

from .errors import ReadError
from .reader import SimpleITKReader


def _box_outline(image) -> vtkPolyData:
    """The image's oriented bounding box (its 12 edges through the corner voxels)."""
    extent = image.GetExtent()
    points = vtkPoints()
    for k in extent[4:6]:
        for j in extent[2:4]:
            for i in extent[0:2]:
                out = [0.0, 0.0, 0.0]
                image.TransformIndexToPhysicalPoint(i, j, k, out)
                points.InsertNextPoint(out)
    lines = vtkCellArray()
    for a, b in [(0, 1), (2, 3), (4, 5), (6, 7), (0, 2), (1, 3), (4, 6), (5, 7),
                 (0, 4), (1, 5), (2, 6), (3, 7)]:
        lines.InsertNextCell(2, [a, b])
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetLines(lines)
    return poly


def render_slices(path: str, output: str, size: tuple[int, int] = (900, 700), progress=None) -> None:
    """Render the three centre slices of ``path`` (and its oriented outline) to PNG ``output``;
    ``progress`` observes the reader's VTK ProgressEvent."""
    reader = SimpleITKReader()
    reader.SetFileName(path)
    if progress is not None:
        reader.AddObserver("ProgressEvent", progress)
    reader.Update()
    if reader.last_error is not None:
        raise reader.last_error
    image = reader.GetOutputDataObject(0)
    scalars = image.GetPointData().GetScalars()
    if scalars is None:
        raise ReadError(path, "no voxels to render")
    low, high = scalars.GetRange(-1 if scalars.GetNumberOfComponents() > 1 else 0)

    renderer = vtkRenderer()
    renderer.SetBackground(0.1, 0.11, 0.14)
    dims = image.GetDimensions()
    extent = image.GetExtent()
    for orientation in range(3):
        if dims[orientation] == 1 and orientation != 2:
            continue  # a 2-D image has only its one slice
        mapper = vtkImageSliceMapper()
        mapper.SetInputConnection(reader.GetOutputPort())
        mapper.SetOrientation(orientation)
        mapper.SetSliceNumber((extent[2 * orientation] + extent[2 * orientation + 1]) // 2)
        actor = vtkImageSlice()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColorWindow(max(high - low, 1e-12))
        actor.GetProperty().SetColorLevel((high + low) / 2)
        renderer.AddViewProp(actor)

    outline_mapper = vtkPolyDataMapper()
    outline_mapper.SetInputData(_box_outline(image))
    outline = vtkActor()
    outline.SetMapper(outline_mapper)
    outline.GetProperty().SetColor(1.0, 0.8, 0.2)
    outline.GetProperty().SetLineWidth(2)
    renderer.AddActor(outline)

    renderer.ResetCamera()
    camera = renderer.GetActiveCamera()
    camera.Azimuth(35)
    camera.Elevation(25)
    camera.OrthogonalizeViewUp()
    renderer.ResetCamera()

    window = _render_window()
    window.SetOffScreenRendering(True)
    window.SetSize(*size)
    window.AddRenderer(renderer)
    window.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.ReadFrontBufferOff()
    grab.Update()
    writer = vtkPNGWriter()
    writer.SetFileName(str(output))
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()
    window.Finalize()
    if writer.GetErrorCode():
        raise OSError(f"{output}: could not write the PNG")


def _render_window():
    """An off-screen window: EGL where there is no X server (VTK wheels >= 9.4 have it),
    instead of failing on X first; the platform's default otherwise."""
    egl = getattr(_opengl, "vtkEGLRenderWindow", None)
    if not os.environ.get("DISPLAY") and egl is not None:
        return egl()
    return vtkRenderWindow()

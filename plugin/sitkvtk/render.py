"""Off-screen picture of an image as a medical viewer shows it: a 3-D view of three orthogonal
slices where they lie in world space, and each slice face-on with orientation letters at its
edges, a scale bar in mm and the window/level (see ``viewing``).

The reader is the pipeline source; every slice is a ``vtkImageSlice`` whose mapper honours
the direction matrix, so an oblique image is drawn rotated where it lies.
"""

from __future__ import annotations

import os

import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints, vtkVersion
from vtkmodules.vtkCommonDataModel import vtkCellArray, vtkPolyData
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingAnnotation import vtkAnnotatedCubeActor
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkActor2D,
    vtkCoordinate,
    vtkImageSlice,
    vtkImageSliceMapper,
    vtkPolyDataMapper,
    vtkPolyDataMapper2D,
    vtkRenderer,
    vtkRenderWindow,
    vtkTextActor,
    vtkWindowToImageFilter,
)

# Register the OpenGL implementations of the rendering classes above, and text rendering.
import vtkmodules.vtkRenderingFreeType  # noqa: F401, I001  isort: skip
import vtkmodules.vtkRenderingOpenGL2 as _opengl  # noqa: I001  isort: skip

from .errors import ReadError
from .reader import SimpleITKReader
from .viewing import AXIS_LETTERS, VIEWS, edge_labels, scale_length, view_vectors, window_level

_BACKGROUND = (0.1, 0.11, 0.14)
_INDEX_AXIS = {"i": 0, "j": 1, "k": 2}
#: (x0, y0, x1, y1) of each view in the window: the 3-D view top left, the slices around it;
#: a 2-D image (one slice) is the 3-D view and its slice side by side.
_VIEWPORTS = {"3d": (0.0, 0.5, 0.5, 1.0), "k": (0.5, 0.5, 1.0, 1.0), "j": (0.0, 0.0, 0.5, 0.5),
              "i": (0.5, 0.0, 1.0, 0.5)}
_VIEWPORTS_2D = {"3d": (0.0, 0.0, 0.5, 1.0), "k": (0.5, 0.0, 1.0, 1.0)}
#: Where each edge's letters go, in the view's normalized coordinates (and how they are justified).
LABEL_ANCHORS = {"right": (0.97, 0.5, 2, 1), "left": (0.03, 0.5, 0, 1), "top": (0.5, 0.95, 1, 2),
                 "bottom": (0.5, 0.05, 1, 0)}


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


def _text(text: str, x: float, y: float, justify=(0, 0), size: int = 16, color=(1.0, 0.85, 0.3)) -> vtkTextActor:
    actor = vtkTextActor()
    actor.SetInput(text)
    actor.GetPositionCoordinate().SetCoordinateSystemToNormalizedViewport()
    actor.GetPositionCoordinate().SetValue(x, y)
    prop = actor.GetTextProperty()
    prop.SetFontSize(size)
    prop.SetBold(True)
    prop.SetColor(*color)
    prop.SetJustification(justify[0])
    prop.SetVerticalJustification(justify[1])
    return actor


def _slice_actor(reader, axis: int, number: int, window: float, level: float) -> vtkImageSlice:
    mapper = vtkImageSliceMapper()
    mapper.SetInputConnection(reader.GetOutputPort())
    mapper.SetOrientation(axis)
    mapper.SetSliceNumber(number)
    actor = vtkImageSlice()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColorWindow(window)
    actor.GetProperty().SetColorLevel(level)
    return actor


def _scale_bar(length_mm: float, fraction: float) -> tuple[vtkActor2D, vtkTextActor]:
    """A bar ``fraction`` of the view wide, bottom left, labelled with its length in mm."""
    points = vtkPoints()
    x0, y0, tick = 0.05, 0.1, 0.015
    for x, y in ((x0, y0 + tick), (x0, y0), (x0 + fraction, y0), (x0 + fraction, y0 + tick)):
        points.InsertNextPoint(x, y, 0.0)
    line = vtkCellArray()
    line.InsertNextCell(4, [0, 1, 2, 3])
    poly = vtkPolyData()
    poly.SetPoints(points)
    poly.SetLines(line)
    coordinate = vtkCoordinate()
    coordinate.SetCoordinateSystemToNormalizedViewport()
    mapper = vtkPolyDataMapper2D()
    mapper.SetInputData(poly)
    mapper.SetTransformCoordinate(coordinate)
    bar = vtkActor2D()
    bar.SetMapper(mapper)
    bar.GetProperty().SetColor(1.0, 1.0, 1.0)
    bar.GetProperty().SetLineWidth(2)
    text = _text(f"{length_mm:g} mm", x0, y0 + 2 * tick, size=13, color=(1.0, 1.0, 1.0))
    return bar, text


def _slice_view(reader, image, view: str, window: float, level: float, pixels: tuple[int, int],
                coordinate_system: str, labels: bool) -> vtkRenderer:
    """The slice across index axis ``view`` through the centre, face-on, annotated."""
    renderer = vtkRenderer()
    renderer.SetBackground(*_BACKGROUND)
    axis = _INDEX_AXIS[view]
    extent, dims, spacing = image.GetExtent(), image.GetDimensions(), image.GetSpacing()
    middle = [(extent[2 * a] + extent[2 * a + 1]) / 2 for a in range(3)]
    middle[axis] = (extent[2 * axis] + extent[2 * axis + 1]) // 2
    renderer.AddViewProp(_slice_actor(reader, axis, int(middle[axis]), window, level))

    matrix = image.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    right, up = view_vectors(direction, view)
    centre = [0.0, 0.0, 0.0]
    image.TransformContinuousIndexToPhysicalPoint(middle, centre)
    (right_axis, _), (up_axis, _) = VIEWS[view]
    width_mm, height_mm = dims[right_axis] * spacing[right_axis], dims[up_axis] * spacing[up_axis]
    aspect = pixels[0] / pixels[1]
    camera = renderer.GetActiveCamera()
    camera.ParallelProjectionOn()
    camera.SetFocalPoint(centre)
    camera.SetPosition(np.add(centre, 1000.0 * np.cross(right, up)))  # right x up points at the viewer
    camera.SetViewUp(up)
    camera.SetParallelScale(0.55 * max(height_mm, width_mm / aspect))
    renderer.ResetCameraClippingRange()

    visible_mm = 2 * camera.GetParallelScale() * aspect
    length = scale_length(visible_mm)
    for actor in _scale_bar(length, length / visible_mm):
        renderer.AddViewProp(actor)
    renderer.AddViewProp(_text(f"{view} = {int(middle[axis])}", 0.97, 0.1, justify=(2, 0), size=12,
                               color=(0.8, 0.8, 0.8)))
    if labels:
        for edge, text in edge_labels(direction, view, coordinate_system).items():
            x, y, horizontal, vertical = LABEL_ANCHORS[edge]
            renderer.AddViewProp(_text(text, x, y, justify=(horizontal, vertical)))
    return renderer


def _overview(reader, image, window: float, level: float, zoom: float) -> vtkRenderer:
    """The three centre slices in world space, with the image's oriented box in yellow."""
    renderer = vtkRenderer()
    renderer.SetBackground(*_BACKGROUND)
    dims, extent = image.GetDimensions(), image.GetExtent()
    for axis in range(3):
        if dims[axis] == 1 and axis != 2:
            continue  # a 2-D image has only its one slice
        number = (extent[2 * axis] + extent[2 * axis + 1]) // 2
        renderer.AddViewProp(_slice_actor(reader, axis, number, window, level))
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
    camera.Dolly(zoom)  # ResetCamera leaves room for a sphere around the box; a box fills more of it
    renderer.ResetCameraClippingRange()
    return renderer


def _orientation_cube(overview: vtkRenderer, coordinate_system: str, viewport) -> vtkRenderer:
    """A small cube lettered with the world axes' anatomical ends, turned as the 3-D view is."""
    cube = vtkAnnotatedCubeActor()
    (xp, xn), (yp, yn), (zp, zn) = AXIS_LETTERS[coordinate_system]
    cube.SetXPlusFaceText(xp)
    cube.SetXMinusFaceText(xn)
    cube.SetYPlusFaceText(yp)
    cube.SetYMinusFaceText(yn)
    cube.SetZPlusFaceText(zp)
    cube.SetZMinusFaceText(zn)
    cube.GetCubeProperty().SetColor(0.35, 0.4, 0.5)
    cube.GetTextEdgesProperty().SetColor(0.9, 0.9, 0.9)
    for face in (cube.GetXPlusFaceProperty(), cube.GetXMinusFaceProperty(), cube.GetYPlusFaceProperty(),
                 cube.GetYMinusFaceProperty(), cube.GetZPlusFaceProperty(), cube.GetZMinusFaceProperty()):
        face.SetColor(1.0, 0.85, 0.3)
    renderer = vtkRenderer()
    renderer.SetViewport(viewport[0], viewport[1], viewport[0] + 0.1, viewport[1] + 0.13)
    renderer.SetLayer(1)
    renderer.AddViewProp(cube)
    main = overview.GetActiveCamera()
    camera = renderer.GetActiveCamera()
    camera.SetFocalPoint(0, 0, 0)
    camera.SetPosition(-np.asarray(main.GetDirectionOfProjection()) * 5)
    camera.SetViewUp(main.GetViewUp())
    renderer.ResetCamera()
    return renderer


def render_slices(path: str, output: str, size: tuple[int, int] = (900, 700), progress=None,
                  coordinate_system: str = "LPS", labels: bool = True) -> dict:
    """Render ``path`` to PNG ``output`` (see the module); ``progress`` observes the reader's
    VTK ProgressEvent. Returns what was drawn: the window/level and each view's letters."""
    reader = SimpleITKReader()
    reader.SetFileName(path)
    reader.SetCoordinateSystem(coordinate_system)
    if progress is not None:
        reader.AddObserver("ProgressEvent", progress)
    reader.Update()
    if reader.last_error is not None:
        raise reader.last_error
    image = reader.GetOutputDataObject(0)
    scalars = image.GetPointData().GetScalars()
    if scalars is None:
        raise ReadError(path, "no voxels to render")
    values = vtk_to_numpy(scalars)
    if values.ndim > 1:  # vector voxels: their magnitude, as VTK colours them
        values = np.linalg.norm(values.astype(np.float64), axis=1)
    window, level, source = window_level(reader.GetHeader().metadata, values)

    dims = image.GetDimensions()
    views = [v for v in ("k", "j", "i") if all(dims[axis] > 1 for axis, _ in VIEWS[v])]
    layout = _VIEWPORTS if len(views) == 3 else _VIEWPORTS_2D
    window_ = _render_window()
    window_.SetOffScreenRendering(True)
    window_.SetSize(*size)
    window_.SetNumberOfLayers(2)
    overview = _overview(reader, image, window, level, zoom=1.3 if len(views) == 3 else 1.0)
    overview.SetViewport(*layout["3d"])
    window_.AddRenderer(overview)
    window_.AddRenderer(_orientation_cube(overview, coordinate_system, np.add(layout["3d"][:2], 0.005)))
    drawn = {"window": window, "level": level, "window_from": source, "labels": {}}
    matrix = image.GetDirectionMatrix()
    direction = [[matrix.GetElement(r, c) for c in range(3)] for r in range(3)]
    for view in views[:len(layout) - 1]:
        x0, y0, x1, y1 = layout[view]
        pixels = (max(1, round((x1 - x0) * size[0])), max(1, round((y1 - y0) * size[1])))
        renderer = _slice_view(reader, image, view, window, level, pixels, coordinate_system, labels)
        renderer.SetViewport(x0, y0, x1, y1)
        window_.AddRenderer(renderer)
        drawn["labels"][view] = edge_labels(direction, view, coordinate_system)
    window_.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(window_)
    grab.ReadFrontBufferOff()
    grab.Update()
    writer = vtkPNGWriter()
    writer.SetFileName(str(output))
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()
    window_.Finalize()
    if writer.GetErrorCode():
        raise OSError(f"{output}: could not write the PNG")
    return drawn


def _render_window():
    """An off-screen window: EGL where there is no X server (VTK wheels >= 9.4 have it),
    instead of failing on X first; the platform's default otherwise."""
    egl = getattr(_opengl, "vtkEGLRenderWindow", None)
    if not os.environ.get("DISPLAY") and egl is not None:
        return egl()
    if not os.environ.get("DISPLAY") and getattr(_opengl, "vtkOSOpenGLRenderWindow", None) is None:
        # An X window with no X server aborts the process (VTK's wheels before 9.4 have no EGL).
        raise OSError(f"no display to render on: this VTK ({vtkVersion.GetVTKVersion()}) renders through X "
                      "only; set DISPLAY (or run under xvfb-run), or install vtk >= 9.4")
    return vtkRenderWindow()

"""A plain VTK pipeline: SimpleITKReader -> vtkFlyingEdges3D -> off-screen PNG.

    python examples/vtk_pipeline.py [IMAGE] [-o contour.png] [--level 500]

With no IMAGE it uses the embedded oblique phantom. The isosurface lands in world
space (vtkFlyingEdges3D honours the image's direction matrix).
"""

from __future__ import annotations

import argparse

import vtkmodules.vtkRenderingOpenGL2  # noqa: F401  (registers the OpenGL back end)
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkWindowToImageFilter,
)

import sitkvtk
from sitkvtk.sample import sample_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=str(sample_path()))
    parser.add_argument("-o", "--output", default="contour.png")
    parser.add_argument("--level", type=float, default=500.0)
    args = parser.parse_args()

    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(args.image)
    contour = vtkFlyingEdges3D()
    contour.SetInputConnection(reader.GetOutputPort())
    contour.SetValue(0, args.level)
    contour.ComputeNormalsOn()
    contour.Update()
    if reader.last_error is not None:
        raise SystemExit(str(reader.last_error))

    mapper = vtkPolyDataMapper()
    mapper.SetInputConnection(contour.GetOutputPort())
    mapper.ScalarVisibilityOff()
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(0.93, 0.85, 0.75)
    renderer = vtkRenderer()
    renderer.AddActor(actor)
    renderer.SetBackground(0.1, 0.11, 0.14)
    renderer.ResetCamera()
    renderer.GetActiveCamera().Azimuth(30)
    renderer.GetActiveCamera().Elevation(20)
    window = vtkRenderWindow()
    window.SetOffScreenRendering(True)
    window.SetSize(600, 600)
    window.AddRenderer(renderer)
    window.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    writer = vtkPNGWriter()
    writer.SetFileName(args.output)
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()
    print(f"{contour.GetOutput().GetNumberOfPoints()} contour points; wrote {args.output}")


if __name__ == "__main__":
    main()

"""An image resampled on the axis-aligned grid that covers it (trilinear)."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import vtkImageReslice

from ..geometry import index_to_world, vtk_image_geometry


def resample_to_world(image: vtkImageData, out_spacing, out_origin, out_extent) -> vtkImageData:
    """Trilinear samples of ``image`` at the axis-aligned grid points ``out_extent``
    (see :func:`sitkvtk.geometry.world_grid`). Points outside ``image`` (its loaded
    extent) get 0; field data is shared."""
    spacing, origin, direction = vtk_image_geometry(image)
    to_index = np.linalg.inv(index_to_world(spacing, direction))
    # vtkImageReslice maps output points into the input's coordinates: give the input
    # index coordinates (origin 0, spacing 1, no rotation) and the map world -> index.
    axes = np.eye(4)
    axes[:3, :3] = to_index
    axes[:3, 3] = -to_index @ origin
    matrix = vtkMatrix4x4()
    matrix.DeepCopy(axes.ravel().tolist())
    indexed = vtkImageData()
    indexed.ShallowCopy(image)
    indexed.SetOrigin(0.0, 0.0, 0.0)
    indexed.SetSpacing(1.0, 1.0, 1.0)
    indexed.SetDirectionMatrix(1, 0, 0, 0, 1, 0, 0, 0, 1)
    reslice = vtkImageReslice()
    reslice.SetInputData(indexed)
    reslice.SetResliceAxes(matrix)
    reslice.SetInterpolationModeToLinear()
    reslice.SetBackgroundLevel(0.0)
    reslice.SetOutputSpacing(*(float(s) for s in out_spacing))
    reslice.SetOutputOrigin(*(float(o) for o in out_origin))
    reslice.SetOutputExtent(*(int(e) for e in out_extent))
    reslice.Update()
    result = vtkImageData()
    result.ShallowCopy(reslice.GetOutput())
    result.GetFieldData().ShallowCopy(image.GetFieldData())
    scalars = result.GetPointData().GetScalars()
    if scalars is not None and image.GetPointData().GetScalars() is not None:
        scalars.SetName(image.GetPointData().GetScalars().GetName())
    return result

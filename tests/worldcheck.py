"""Helpers for the tests of world/ and of the plugin: write an image, open it with the
WorldImageReader in a mode, and read back its world points and values.

``PERMUTATION`` is a signed permutation of the axes (no rotation): "Auto" resamples it exactly.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy

from sitkvtk.world.reader import WorldImageReader

PERMUTATION = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 0.0, 0.0]])


def world_reader(path, mode, coordinate_system="LPS"):
    reader = WorldImageReader()
    reader.SetFileName(path)
    reader.SetOutputMode(mode)
    reader.SetCoordinateSystem(coordinate_system)
    return reader


def output_points(data) -> np.ndarray:
    """World positions of every point, VTK order, for image data and structured grids."""
    if data.IsA("vtkStructuredGrid"):
        return vtk_to_numpy(data.GetPoints().GetData()).astype(float)
    return np.array([data.GetPoint(i) for i in range(data.GetNumberOfPoints())])


def output_scalars(data) -> np.ndarray:
    return vtk_to_numpy(data.GetPointData().GetScalars()).astype(float)


def index_value(index, size) -> np.ndarray:
    """Value synthetic.oblique_image gives (float types) to a continuous (x, y, z) index."""
    index = np.asarray(index, dtype=float)
    return index[..., 0] + size[0] * index[..., 1] + size[0] * size[1] * index[..., 2] + 0.25


def continuous_index(image: sitk.Image, points) -> np.ndarray:
    matrix = np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())
    return (np.asarray(points) - np.array(image.GetOrigin())) @ np.linalg.inv(matrix).T


def write_image(tmp_path, image, name) -> str:
    path = str(tmp_path / name)
    sitk.WriteImage(image, path)
    return path

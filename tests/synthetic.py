"""Images made by the tests: oblique, off-origin, anisotropic, voxels that encode their index."""

from __future__ import annotations

import itertools

import numpy as np
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData

ORIGIN_3D = (-12.5, 33.25, -7.75)
SPACING_3D = (0.7, 1.3, 2.1)
ORIGIN_2D = (4.5, -9.25)
SPACING_2D = (0.45, 1.6)
SIZE_4D = (6, 5, 4, 3)  # x, y, z, t
ORIGIN_4D = (-20.0, 13.5, 7.25, 2.5)
SPACING_4D = (0.9, 1.4, 2.2, 0.75)


def rotation_3d(a=0.35, b=-0.6, c=0.9) -> np.ndarray:
    """A proper rotation far from every axis (no axis stays aligned)."""
    ca, sa, cb, sb, cc, sc = np.cos(a), np.sin(a), np.cos(b), np.sin(b), np.cos(c), np.sin(c)
    rx = np.array([[1, 0, 0], [0, ca, -sa], [0, sa, ca]])
    ry = np.array([[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]])
    rz = np.array([[cc, -sc, 0], [sc, cc, 0], [0, 0, 1]])
    return rz @ ry @ rx


def rotation_2d(angle=0.6) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def index_values(shape_zyx, ncomp: int, dtype) -> np.ndarray:
    """Array (z, y, x[, c]) whose value is the voxel's linear index * ncomp + c.

    Floats get +0.25 so that a float read as an integer cannot pass.
    """
    count = int(np.prod(shape_zyx)) * ncomp
    values = np.arange(count, dtype=np.float64)
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        values = values + 0.25
    if dtype.kind == "c":
        values = values + 1j * (values + 0.5)
    shape = tuple(shape_zyx) + ((ncomp,) if ncomp > 1 else ())
    return values.reshape(shape).astype(dtype)


def oblique_image(dtype, dim: int = 3, ncomp: int = 1, size=None) -> sitk.Image:
    """An image with index-encoding voxels on an oblique, off-origin, anisotropic grid."""
    if size is None:
        size = (5, 4, 3)[:dim]
        if np.dtype(dtype) == np.int8 and ncomp * np.prod(size) > 127:
            size = (4, 3, 2)[:dim] if dim == 3 else (5, 4)
    array = index_values(tuple(size[::-1]), ncomp, dtype)
    image = sitk.GetImageFromArray(array, isVector=ncomp > 1)
    if dim == 3:
        image.SetOrigin(ORIGIN_3D)
        image.SetSpacing(SPACING_3D)
        image.SetDirection(rotation_3d().ravel().tolist())
    else:
        image.SetOrigin(ORIGIN_2D)
        image.SetSpacing(SPACING_2D)
        image.SetDirection(rotation_2d().ravel().tolist())
    return image


def corners(size):
    """Every corner index of an image of ``size`` (2-D or 3-D)."""
    return list(itertools.product(*[(0, s - 1) for s in size]))


def vtk_world(vtk_image, index3) -> np.ndarray:
    out = [0.0, 0.0, 0.0]
    vtk_image.TransformIndexToPhysicalPoint(*[int(i) for i in index3], out)
    return np.array(out)


def vtk_values(vtk_image) -> np.ndarray:
    """Point scalars as a (z, y, x[, c]) array."""
    array = vtk_image.GetPointData().GetScalars()
    values = numpy_support.vtk_to_numpy(array)
    extent = vtk_image.GetExtent()
    dims = [extent[1] - extent[0] + 1, extent[3] - extent[2] + 1, extent[5] - extent[4] + 1]
    ncomp = array.GetNumberOfComponents()
    return values.reshape(dims[::-1] + ([ncomp] if ncomp > 1 else []))


def sitk_world(image: sitk.Image, index) -> np.ndarray:
    """SimpleITK's world point of ``index``, padded to 3-D."""
    point = list(image.TransformIndexToPhysicalPoint([int(i) for i in index]))
    return np.array(point + [0.0] * (3 - len(point)))


def distance_image(size) -> sitk.Image:
    """Distance (mm) of each voxel's world position from the grid's world centre, on the
    oblique grid: its contour at r is a sphere of radius r wherever the image lies."""
    image = oblique_image(np.float32, size=size)
    ijk = np.stack(np.meshgrid(*[np.arange(n) for n in size], indexing="ij"), -1).reshape(-1, 3)
    matrix = np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())
    world = np.array(image.GetOrigin()) + ijk @ matrix.T
    centre = np.array(image.GetOrigin()) + matrix @ ((np.array(size) - 1) / 2)
    distance = np.linalg.norm(world - centre, axis=1).reshape(size).transpose(2, 1, 0)
    result = sitk.GetImageFromArray(distance.astype(np.float32))
    result.CopyInformation(image)
    return result


def vtk_made_image(dtype="float32", extent=(2, 6, -3, 0, 5, 7)) -> vtkImageData:
    """An oblique vtkImageData made in VTK (no file), its extent not starting at 0, voxels that
    encode their index, scalars named "values"."""
    image = vtkImageData()
    image.SetExtent(*extent)
    image.SetSpacing(0.8, 1.1, 2.4)
    image.SetOrigin(-20.5, 14.0, 3.25)
    rotation = np.linalg.qr(np.array([[0.9, -0.3, 0.2], [0.35, 0.8, -0.4], [-0.1, 0.5, 0.85]]))[0]
    image.SetDirectionMatrix(*rotation.ravel())
    dims = image.GetDimensions()
    values = index_values(dims[::-1], 1, dtype).ravel()
    array = numpy_support.numpy_to_vtk(values, deep=True)
    array.SetName("values")
    image.GetPointData().SetScalars(array)
    return image


def xyzt_values(dtype=np.int32):
    """(t, z, y, x) array whose value encodes (x, y, z, t)."""
    t, z, y, x = np.indices(SIZE_4D[::-1])
    return (x + 10 * y + 100 * z + 1000 * t).astype(dtype)


def image_4d(dtype=np.int32):
    """A 4-D image of :func:`xyzt_values`: oblique in space, off origin in space and time."""
    image = sitk.GetImageFromArray(xyzt_values(dtype), isVector=False)
    direction = np.eye(4)
    direction[:3, :3] = rotation_3d()
    image.SetDirection(direction.ravel().tolist())
    image.SetOrigin(ORIGIN_4D)
    image.SetSpacing(SPACING_4D)
    return image

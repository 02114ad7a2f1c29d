"""SimpleITK image <-> numpy <-> vtkImageData, both ways.

No file I/O and no ParaView here: only memory layout, pixel types and geometry.

Axis order: ``GetArrayViewFromImage`` gives a (z, y, x[, c]) array; raveled in C order
that is VTK's x-fastest point order, so no transpose is ever needed.

Geometry: ITK and VTK >= 9 both map index (i, j, k) to
``origin + direction @ (spacing * ijk)``; the 3x3 direction goes to
``vtkImageData.SetDirectionMatrix`` (row-major).
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import VTK_BIT, VTK_UNSIGNED_CHAR, vtkDataArray
from vtkmodules.vtkCommonDataModel import vtkImageData

from .geometry import set_vtk_image_geometry, vtk_image_geometry
from .pixeltypes import LABEL_MAP_TYPES, SITK_DTYPES

__all__ = [
    "SCALARS_NAME", "image_from_vtk_image", "image_geometry", "point_array", "vtk_array_from_image",
    "vtk_array_from_voxels", "vtk_image_from_image", "voxels_size",
]

#: Name of the point-data array that holds the voxels.
SCALARS_NAME = "ImageScalars"

# Complex images become two float components; these names mark them so that the
# way back can rebuild a complex image.
_COMPLEX_COMPONENTS = ("real", "imag")

def image_geometry(image: sitk.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spacing (3,), origin (3,), direction (3, 3) of a 2-D or 3-D image.

    A 2-D image gets unit spacing and zero origin along z and an identity-padded direction.
    """
    dim = image.GetDimension()
    if dim not in (2, 3):
        raise ValueError(f"expected a 2-D or 3-D image, got {dim}-D")
    spacing = np.ones(3)
    origin = np.zeros(3)
    direction = np.eye(3)
    spacing[:dim] = image.GetSpacing()
    origin[:dim] = image.GetOrigin()
    direction[:dim, :dim] = np.reshape(image.GetDirection(), (dim, dim))
    return spacing, origin, direction


def _pixel_array(image: sitk.Image, copy: bool) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The voxels as a (n_points, n_components) or (n_points,) array, and component names.

    With ``copy=False`` the array is a view of the SimpleITK buffer.
    """
    if image.GetPixelID() in LABEL_MAP_TYPES:
        # A label map is a run-length object, not a buffer: make it a label image first.
        image = sitk.LabelMapToLabel(image)
    array = sitk.GetArrayFromImage(image) if copy else sitk.GetArrayViewFromImage(image)
    ncomp = image.GetNumberOfComponentsPerPixel()
    names = None
    if np.iscomplexobj(array):
        # (.., ) complex -> (.., 2) real: a view, no copy; components named real/imag.
        array = array.view(array.real.dtype).reshape(*array.shape, 2)
        ncomp = 2
        names = _COMPLEX_COMPONENTS
    npoints = int(np.prod(image.GetSize()))
    flat = array.reshape(npoints, ncomp) if ncomp > 1 else array.reshape(npoints)
    return flat, names


def vtk_array_from_image(image: sitk.Image, *, copy: bool = False, name: str = SCALARS_NAME):
    """The voxels of ``image`` as a ``vtkDataArray`` in VTK's x-fastest point order.

    With ``copy=False`` (the default) the VTK array shares the SimpleITK buffer; the
    array holds references to the numpy view and to the SimpleITK image, so the
    buffer lives as long as the VTK array does.
    """
    flat, names = _pixel_array(image, copy)
    vtk_array = numpy_support.numpy_to_vtk(flat, deep=bool(copy))
    vtk_array.SetName(name)
    if names:
        for index, component in enumerate(names):
            vtk_array.SetComponentName(index, component)
    if not copy:
        # numpy_to_vtk keeps the numpy view (as _numpy_reference); the view does not
        # keep the SimpleITK image, so the array must. VTK keeps a wrapped object's
        # Python attributes for as long as the C++ object lives.
        vtk_array._sitk_image = image
    return vtk_array


def vtk_array_from_voxels(voxels, *, name: str = SCALARS_NAME):
    """A reader's voxels as a ``vtkDataArray``, zero copy.

    ``voxels`` is a SimpleITK image, or a numpy array shaped (z, y, x[, c]) that the
    VTK array then keeps alive (readers that fill their own buffer hand over these).
    """
    if isinstance(voxels, sitk.Image):
        return vtk_array_from_image(voxels, name=name)
    ncomp = voxels.shape[3] if voxels.ndim == 4 else 1
    flat = voxels.reshape(-1, ncomp) if ncomp > 1 else voxels.reshape(-1)
    vtk_array = numpy_support.numpy_to_vtk(flat, deep=False)
    vtk_array.SetName(name)
    return vtk_array


def voxels_size(voxels) -> tuple[int, int, int]:
    """(nx, ny, nz) of a SimpleITK image or a (z, y, x[, c]) array."""
    if isinstance(voxels, sitk.Image):
        size = tuple(voxels.GetSize())
        return size + (1,) * (3 - len(size))  # type: ignore[return-value]
    return tuple(int(n) for n in voxels.shape[:3][::-1])  # type: ignore[return-value]


def vtk_image_from_image(image: sitk.Image, *, copy: bool = False) -> vtkImageData:
    """Convert a 2-D or 3-D SimpleITK image to a ``vtkImageData``.

    Parameters
    ----------
    image : SimpleITK.Image
        Any scalar pixel type (int8 .. uint64, float32, float64), vector images with any
        number of components, label maps (converted to label images) and complex images
        (two float components named ``real`` and ``imag``).
    copy : bool
        False (default): the VTK array shares the SimpleITK buffer (zero copy).
        True: the VTK array owns a copy.

    Returns
    -------
    vtkImageData
        Extent ``(0, nx-1, 0, ny-1, 0, nz-1)``; spacing, origin and the 3x3 direction of
        the image. A 2-D image becomes one slice at z = 0.

    Examples
    --------
    >>> import SimpleITK as sitk
    >>> vtk_image = vtk_image_from_image(sitk.Image(4, 3, 2, sitk.sitkInt16))
    >>> vtk_image.GetDimensions()
    (4, 3, 2)
    """
    if not isinstance(image, sitk.Image):
        raise TypeError(f"expected a SimpleITK.Image, got {type(image).__name__}")
    spacing, origin, direction = image_geometry(image)
    size = list(image.GetSize()) + [1] * (3 - image.GetDimension())
    vtk_image = vtkImageData()
    set_vtk_image_geometry(vtk_image, spacing, origin, direction, (0, size[0] - 1, 0, size[1] - 1, 0, size[2] - 1))
    vtk_image.GetPointData().SetScalars(vtk_array_from_image(image, copy=copy))
    return vtk_image


def _array_names(data) -> list[str]:
    return [data.GetArrayName(i) for i in range(data.GetNumberOfArrays())]


def point_array(vtk_image: vtkImageData, array_name: str | None = None) -> vtkDataArray:
    """The point-data array to convert: by name, else the active scalars, else the only one."""
    point_data, cell_data = vtk_image.GetPointData(), vtk_image.GetCellData()
    if array_name is not None:
        array = point_data.GetArray(array_name)
        if array is None:
            if cell_data.GetArray(array_name) is not None:
                raise ValueError(
                    f"{array_name!r} is cell data; SimpleITK images hold point (voxel) data"
                )
            names = _array_names(point_data)
            raise ValueError(f"no point-data array named {array_name!r}; the image has {names}")
        return array
    array = point_data.GetScalars()
    if array is None and point_data.GetNumberOfArrays() == 1:
        array = point_data.GetArray(0)
    if array is None:
        if point_data.GetNumberOfArrays() > 1:
            raise ValueError(
                f"the image has several point-data arrays {_array_names(point_data)}: "
                "choose one by name"
            )
        if cell_data.GetNumberOfArrays():
            raise ValueError(
                f"the image has only cell data {_array_names(cell_data)}; "
                "SimpleITK images hold point (voxel) data"
            )
        raise ValueError("the image has no point-data array")
    if array.GetNumberOfComponents() < 1:
        raise ValueError(f"array {array.GetName()!r} has no components")
    return array


def _numpy_values(array: vtkDataArray) -> np.ndarray:
    """A (n_tuples, n_components) or (n_tuples,) numpy view of ``array`` (a copy if it must)."""
    if array.GetDataType() == VTK_BIT or not array.HasStandardMemoryLayout():
        # Bits and struct-of-arrays have no buffer numpy can view: copy into plain storage
        # (bits become uint8 0/1).
        plain = vtkDataArray.CreateDataArray(
            VTK_UNSIGNED_CHAR if array.GetDataType() == VTK_BIT else array.GetDataType()
        )
        plain.DeepCopy(array)
        array = plain
    values = numpy_support.vtk_to_numpy(array)
    if values.dtype not in SITK_DTYPES:
        raise ValueError(
            f"array {array.GetName()!r} holds {array.GetDataTypeAsString()} "
            f"({values.dtype}), which SimpleITK has no pixel type for"
        )
    return values


def image_from_vtk_image(vtk_image: vtkImageData, array_name: str | None = None) -> sitk.Image:
    """Convert a ``vtkImageData`` to a SimpleITK image (a copy).

    Parameters
    ----------
    vtk_image : vtkImageData
    array_name : str, optional
        The point-data array to take; by default the active scalars, or the only array.
        Cell data is refused: a SimpleITK voxel is a point.

    Returns
    -------
    SimpleITK.Image
        3-D, or 2-D when the VTK image is one slice at z = 0 with no rotation out of
        the xy plane (what a 2-D image becomes in :func:`vtk_image_from_image`).
        Pixel type follows the array (int8 .. uint64, float32, float64; VTK_CHAR is
        int8, long / long long / id type are int64, bits become uint8); n components
        give a vector image, and two float components named ``real`` and ``imag`` a
        complex one. The VTK extent's start is folded into the origin.

    Raises
    ------
    TypeError
        ``vtk_image`` is not a vtkImageData.
    ValueError
        No usable point-data array, or one whose type SimpleITK has no pixel for.
    """
    if not isinstance(vtk_image, vtkImageData):
        raise TypeError(f"expected a vtkImageData, got {type(vtk_image).__name__}")
    array = point_array(vtk_image, array_name)
    extent = vtk_image.GetExtent()
    dims = [extent[2 * i + 1] - extent[2 * i] + 1 for i in range(3)]
    if min(dims) < 1:
        raise ValueError(f"the image is empty (extent {extent})")
    ncomp = array.GetNumberOfComponents()
    if array.GetNumberOfTuples() != int(np.prod(dims)):
        raise ValueError(
            f"array {array.GetName()!r} has {array.GetNumberOfTuples()} tuples, "
            f"the extent {extent} has {int(np.prod(dims))} points"
        )
    values = _numpy_values(array)
    shape = dims[::-1] + ([ncomp] if ncomp > 1 else [])
    values = values.reshape(shape)
    names = tuple(array.GetComponentName(i) for i in range(ncomp)) if ncomp == 2 else None
    if names == _COMPLEX_COMPONENTS and values.dtype in (np.float32, np.float64):
        complex_type = np.complex64 if values.dtype == np.float32 else np.complex128
        values = np.ascontiguousarray(values).view(complex_type)[..., 0]
        ncomp = 1

    spacing, origin, direction = vtk_image_geometry(vtk_image)
    start = np.array(extent[::2], dtype=float)
    origin = origin + direction @ (spacing * start)

    flat_2d = (
        dims[2] == 1
        and origin[2] == 0.0
        and np.array_equal(direction[2], [0, 0, 1])
        and np.array_equal(direction[:, 2], [0, 0, 1])
    )
    if flat_2d:
        values = values[0]
    image = sitk.GetImageFromArray(values, isVector=ncomp > 1)
    dim = 2 if flat_2d else 3
    image.SetSpacing(spacing[:dim].tolist())
    image.SetOrigin(origin[:dim].tolist())
    image.SetDirection(direction[:dim, :dim].ravel().tolist())
    return image

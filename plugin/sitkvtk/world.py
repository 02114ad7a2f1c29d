"""Images for filters that ignore the direction matrix: world points, or a world-axis grid.

A ``vtkImageData`` with a direction matrix is exact and costs nothing, but not every
filter reads the matrix: ParaView 5.11's Contour (and VTK's ``vtkContourFilter``) put
the output of an oblique image unrotated. Two conversions put it right for every filter:

- :func:`structured_grid_from_image`: a ``vtkStructuredGrid`` whose points are the
  voxels' world positions. Exact (float32 points) and shares the voxels, but the
  points cost 12 bytes per voxel and structured grids are slower to filter and render.
- :func:`resample_to_world`: an axis-aligned ``vtkImageData`` sampled (trilinear) from
  the image on a grid along the world axes (:func:`world_grid`). Fast everywhere, but
  values are interpolated, the grid covers the rotated image's bounding box (corners
  filled with 0), and it is a copy. Exact when the direction only permutes or flips axes.

:class:`WorldImageReader` is the reader with that choice (``SetOutputMode``), streaming
sub-extents in every mode; the ParaView plugin is built on it.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk
from vtkmodules.vtkCommonCore import vtkInformationVector, vtkPoints, vtkStringArray
from vtkmodules.vtkCommonDataModel import vtkDataObject, vtkImageData, vtkStructuredGrid
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline
from vtkmodules.vtkCommonMath import vtkMatrix4x4
from vtkmodules.vtkImagingCore import vtkImageReslice

from .errors import ReadError
from .header import ImageHeader
from .pieces import SLAB_MODES, holds_nothing
from .reader import SimpleITKReader

_SDDP = vtkStreamingDemandDrivenPipeline

#: Output modes of :class:`WorldImageReader`, in the order ParaView lists them.
OUTPUT_MODES = ("Auto", "Image", "StructuredGrid", "Resampled")


# -- geometry -------------------------------------------------------------------------
def is_signed_permutation(direction, tol: float = 1e-6) -> bool:
    """Whether ``direction`` (3, 3) only permutes and flips the axes."""
    d = np.abs(np.asarray(direction, dtype=float))
    ones = np.isclose(d, 1.0, atol=tol)
    return bool(np.all(ones | (d < tol)) and np.all(ones.sum(0) == 1) and np.all(ones.sum(1) == 1))


def choose_mode(mode: str, direction) -> str:
    """The concrete mode for ``mode``: "Auto" keeps an axis-aligned image as it is,
    resamples one whose axes are only permuted or flipped (exact), and bakes world
    points for an oblique one."""
    if mode != "Auto":
        return mode
    if np.allclose(direction, np.eye(3), atol=1e-9):
        return "Image"
    return "Resampled" if is_signed_permutation(direction) else "StructuredGrid"


def _index_to_world(spacing, direction) -> np.ndarray:
    return np.asarray(direction, dtype=float) @ np.diag(np.asarray(spacing, dtype=float))


def _box_corners(extent) -> np.ndarray:
    """(3, 8) index corners of a VTK extent."""
    return np.array(np.meshgrid(*[extent[0:2], extent[2:4], extent[4:6]], indexing="ij")).reshape(3, -1)


def world_grid(spacing, origin, direction, extent):
    """The axis-aligned grid that covers an image: (spacing (3,), origin (3,), extent (6,)).

    World axis ``j`` takes the spacing of the image axis that runs most nearly along
    it, so a permuted or flipped image keeps its voxels and its voxel count.
    """
    matrix = _index_to_world(spacing, direction)
    world = np.asarray(origin, dtype=float)[:, None] + matrix @ _box_corners(extent)
    low, high = world.min(axis=1), world.max(axis=1)
    along = np.argmax(np.abs(np.asarray(direction, dtype=float)), axis=1)
    out_spacing = np.asarray(spacing, dtype=float)[along]
    counts = np.ceil((high - low) / out_spacing - 1e-6).astype(int) + 1
    out_extent = [v for n in counts for v in (0, int(n) - 1)]
    return out_spacing, low, out_extent


def source_extent(spacing, origin, direction, whole_extent, out_spacing, out_origin, out_extent):
    """The image extent that resampling ``out_extent`` of the world grid reads, or None
    when that part of the grid lies outside the image."""
    to_index = np.linalg.inv(_index_to_world(spacing, direction))
    world = np.asarray(out_origin, dtype=float)[:, None] + np.diag(out_spacing) @ _box_corners(out_extent)
    index = to_index @ (world - np.asarray(origin, dtype=float)[:, None])
    low = np.maximum(np.floor(index.min(axis=1)).astype(int) - 1, whole_extent[0::2])
    high = np.minimum(np.ceil(index.max(axis=1)).astype(int) + 1, whole_extent[1::2])
    if np.any(low > high):
        return None
    return [int(v) for pair in zip(low, high) for v in pair]


# -- conversions ------------------------------------------------------------------------
def world_points(extent, spacing, origin, direction, dtype=np.float32) -> np.ndarray:
    """(n, 3) world positions of the voxels of ``extent``, x fastest (VTK point order)."""
    matrix = _index_to_world(spacing, direction)
    axes = [np.arange(extent[2 * a], extent[2 * a + 1] + 1, dtype=float) for a in range(3)]
    # One small float64 table per axis, summed in ``dtype`` to spare a float64 (n, 3) temporary.
    x = (np.asarray(origin, dtype=float) + np.outer(axes[0], matrix[:, 0])).astype(dtype)
    y = np.outer(axes[1], matrix[:, 1]).astype(dtype)
    z = np.outer(axes[2], matrix[:, 2]).astype(dtype)
    points = z[:, None, None, :] + y[None, :, None, :] + x[None, None, :, :]
    return points.reshape(-1, 3)


def _geometry(image: vtkImageData):
    matrix = image.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    return np.array(image.GetSpacing()), np.array(image.GetOrigin()), direction


def structured_grid_from_image(image: vtkImageData, dtype=np.float32) -> vtkStructuredGrid:
    """``image`` as a structured grid with its voxels' world points; point data is shared."""
    spacing, origin, direction = _geometry(image)
    extent = image.GetExtent()
    points = vtkPoints()
    points.SetData(numpy_to_vtk(world_points(extent, spacing, origin, direction, dtype), deep=False))
    grid = vtkStructuredGrid()
    grid.SetExtent(*extent)
    grid.SetPoints(points)
    grid.GetPointData().ShallowCopy(image.GetPointData())
    grid.GetFieldData().ShallowCopy(image.GetFieldData())
    return grid


def resample_to_world(image: vtkImageData, out_spacing, out_origin, out_extent) -> vtkImageData:
    """Trilinear samples of ``image`` at the axis-aligned grid points ``out_extent``.

    Points outside ``image`` (its loaded extent) get 0.
    """
    spacing, origin, direction = _geometry(image)
    to_index = np.linalg.inv(_index_to_world(spacing, direction))
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


# -- metadata -------------------------------------------------------------------------
def _numbers(values) -> str:
    return " ".join(f"{float(v):.6g}" for v in values)


def header_summary(header: ImageHeader, coordinate_system: str = "LPS") -> dict[str, str]:
    """What the file says about itself, as text: size and spacing as in the file,
    origin and direction (row-major) in ``coordinate_system``, and ``HeaderKeys``, the
    file's header keys as ``key = value`` lines."""
    _, origin, direction = header.world_geometry(coordinate_system)
    return {
        "FileName": header.path,
        "ImageIO": header.io_name,
        "PixelType": f"{header.pixel_type}, {header.components} component(s)",
        "Size": " ".join(str(s) for s in header.size),
        "Spacing": _numbers(header.spacing),
        "Origin": _numbers(origin),
        "Direction": _numbers(np.ravel(direction)),
        "CoordinateSystem": coordinate_system,
        "HeaderKeys": "\n".join(f"{key} = {value}" for key, value in sorted(header.metadata.items())),
    }


def add_field_data(data: vtkDataObject, summary: dict[str, str]) -> None:
    """One string array per entry (``HeaderKeys``: one value per header key)."""
    for name, text in summary.items():
        array = vtkStringArray()
        array.SetName(name)
        for value in text.split("\n") if name == "HeaderKeys" else [text]:
            array.InsertNextValue(value)
        data.GetFieldData().AddArray(array)


# -- reader ---------------------------------------------------------------------------
class WorldImageReader(SimpleITKReader):
    """:class:`~sitkvtk.SimpleITKReader` with a choice of output for every filter.

    ``SetOutputMode``: "Image" (``vtkImageData`` with the direction matrix),
    "StructuredGrid" (``vtkStructuredGrid``, world points), "Resampled" (axis-aligned
    ``vtkImageData``) or "Auto" (see :func:`choose_mode`). The header's metadata goes
    on the output as field data (:func:`header_summary`).
    """

    def __init__(self):
        super().__init__()
        self.OutputType = "vtkDataSet"
        self._output_mode = "Auto"

    def SetOutputMode(self, mode: str):
        if mode not in OUTPUT_MODES:
            raise ValueError(f"output mode must be one of {OUTPUT_MODES}, got {mode!r}")
        if mode != self._output_mode:
            self._output_mode = mode
            self.Modified()

    def GetOutputMode(self) -> str:
        return self._output_mode

    def GetConcreteOutputMode(self) -> str:
        """The mode "Auto" stands for with the current file; raises ReadError."""
        direction = self.GetHeader().world_geometry(self.GetCoordinateSystem())[2]
        return choose_mode(self._output_mode, direction)

    def GetSummary(self) -> dict[str, str]:
        """:func:`header_summary` of the current file, empty if it cannot be read."""
        try:
            return header_summary(self.GetHeader(), self.GetCoordinateSystem())
        except ReadError:
            return {}

    def _mode_or_image(self) -> str:
        try:
            return self.GetConcreteOutputMode()
        except ReadError:
            return "Image"  # RequestInformation reports the error

    def _world_grid(self, header: ImageHeader):
        spacing, origin, direction = header.world_geometry(self.GetCoordinateSystem())
        nx, ny, nz = header.volume_size
        return (spacing, origin, direction, [0, nx - 1, 0, ny - 1, 0, nz - 1],
                world_grid(spacing, origin, direction, [0, nx - 1, 0, ny - 1, 0, nz - 1]))

    # -- pipeline -----------------------------------------------------------------
    def RequestDataObject(self, request, inInfo, outInfo):
        wanted = vtkStructuredGrid if self._mode_or_image() == "StructuredGrid" else vtkImageData
        info = outInfo.GetInformationObject(0)
        output = info.Get(vtkDataObject.DATA_OBJECT())
        if output is None or output.GetClassName() != wanted.__name__:
            info.Set(vtkDataObject.DATA_OBJECT(), wanted())
        return 1

    def RequestInformation(self, request, inInfo, outInfo):
        if not super().RequestInformation(request, inInfo, outInfo):
            return 0
        info = outInfo.GetInformationObject(0)
        mode = self._mode_or_image()
        if mode == "Resampled":
            *_, (spacing, origin, extent) = self._world_grid(self.GetHeader())
            info.Set(_SDDP.WHOLE_EXTENT(), extent, 6)
            info.Set(vtkDataObject.SPACING(), list(spacing), 3)
            info.Set(vtkDataObject.ORIGIN(), list(origin), 3)
            info.Set(vtkDataObject.DIRECTION(), list(np.eye(3).ravel()), 9)
        elif mode == "StructuredGrid":
            for key in (vtkDataObject.SPACING(), vtkDataObject.ORIGIN(), vtkDataObject.DIRECTION()):
                info.Remove(key)
        return 1

    def _slab_mode(self) -> int:
        if self._mode_or_image() != "Resampled":
            return super()._slab_mode()
        # Slabs across the world axis nearest the image's k axis: each piece then reads
        # few slices of the file.
        _, _, direction = self.GetHeader().world_geometry(self.GetCoordinateSystem())
        return SLAB_MODES[int(np.argmax(np.abs(direction[:, 2])))]

    def RequestData(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        output = info.Get(vtkDataObject.DATA_OBJECT())
        mode = self._mode_or_image()
        extent = info.Get(_SDDP.UPDATE_EXTENT())
        if holds_nothing(info):  # a piece with no cell: more ranks than cells
            output.Initialize()
            return 1
        if mode == "Resampled":
            spacing, origin, direction, whole, (out_spacing, out_origin, _) = self._world_grid(self.GetHeader())
            box = source_extent(spacing, origin, direction, whole, out_spacing, out_origin, extent)
            image = self._read(request, info, box or [0, 0, 0, 0, 0, 0])
        else:
            image = self._read(request, info, extent)
        if image is None:
            output.Initialize()
            return 0
        if mode == "Resampled":
            result = resample_to_world(image, out_spacing, out_origin, extent)
        elif mode == "StructuredGrid":
            result = structured_grid_from_image(image)
        else:
            result = image
        output.ShallowCopy(result)
        time_key = vtkDataObject.DATA_TIME_STEP()
        if image.GetInformation().Has(time_key):
            output.GetInformation().Set(time_key, image.GetInformation().Get(time_key))
        add_field_data(output, self.GetSummary())
        return 1

    def _read(self, request, info, extent) -> vtkImageData | None:
        """The image's voxels ``extent`` as the plain reader makes them, or None on error."""
        vector = vtkInformationVector()
        vector.SetNumberOfInformationObjects(1)
        scratch = vector.GetInformationObject(0)
        scratch.Copy(info)
        image = vtkImageData()
        scratch.Set(vtkDataObject.DATA_OBJECT(), image)
        scratch.Set(_SDDP.UPDATE_EXTENT(), [int(e) for e in extent], 6)
        if not SimpleITKReader.RequestData(self, request, None, vector):
            return None
        return image

"""SimpleITKReader: any file SimpleITK reads, as a streaming VTK image source."""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk
from vtkmodules.util.numpy_support import get_vtk_array_type, numpy_to_vtk
from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase
from vtkmodules.vtkCommonCore import vtkOutputWindow
from vtkmodules.vtkCommonDataModel import vtkDataObject, vtkImageData
from vtkmodules.vtkCommonExecutionModel import (
    vtkAlgorithm,
    vtkExtentTranslator,
    vtkStreamingDemandDrivenPipeline,
)

from .bridge import SCALARS_NAME, voxels_size, vtk_array_from_voxels
from .errors import ReadError
from .fielddata import add_field_data, vtk_text
from .geometry import check_coordinate_system, set_vtk_image_geometry
from .header import ImageHeader
from .pieces import holds_nothing, split_mode
from .sources.base import ImageSource
from .sources.checks import check_header
from .sources.dispatch import open_source

_SDDP = vtkStreamingDemandDrivenPipeline


class SimpleITKReader(VTKPythonAlgorithmBase):
    """A VTK source that reads any image file SimpleITK reads into a ``vtkImageData``.

    ``RequestInformation`` reads only the header; ``RequestData`` reads only the
    requested extent (one slice of a streaming format costs one slice). Spacing,
    origin and the 3x3 direction are set on the output; a 2-D file is one slice,
    a 4-D file is a 3-D source with one time step per volume.

    Errors make the pipeline fail with a message naming the file (on VTK's output
    window unless ``SetReportErrors(False)``); the reason is kept in :attr:`last_error`
    and the output is left empty. The header's summary and tags go on the output as
    field data (:mod:`sitkvtk.fielddata`).
    """

    def __init__(self):
        super().__init__(nInputPorts=0, nOutputPorts=1, outputType="vtkImageData")
        self._file_names: list[str] = []  # one file, or a file series (one time step each)
        self._coordinate_system = "LPS"
        self._time_as_components = False
        self._series_id: str | None = None
        self._whole_series = True
        self._source: ImageSource | None = None
        self._source_stamp: tuple = ()
        self._report_errors = True
        #: The ReadError of the last pipeline pass, or None after a good one.
        self.last_error: ReadError | None = None

    # -- properties ---------------------------------------------------------------
    def SetFileName(self, file_name):
        """One image file."""
        self.SetFileNames([] if file_name is None else [file_name])

    def GetFileName(self) -> str | None:
        return self._file_names[0] if self._file_names else None

    def SetFileNames(self, file_names):
        """Files of one size and pixel type, read as time steps 0, 1, 2, ... in this order."""
        file_names = [os.fspath(name) for name in file_names]
        if file_names != self._file_names:
            self._file_names = file_names
            self._source = None
            self.Modified()

    def GetFileNames(self) -> list[str]:
        return list(self._file_names)

    def SetCoordinateSystem(self, name: str):
        """"LPS" (default: ITK's physical space) or "RAS" (first two world axes flipped)."""
        name = check_coordinate_system(name)
        if name != self._coordinate_system:
            self._coordinate_system = name
            self.Modified()

    def GetCoordinateSystem(self) -> str:
        return self._coordinate_system

    def SetTimeAsComponents(self, on: bool):
        """Off (default): a 4-D image is a time series of volumes, one read per step.
        On: one volume whose components are the time steps (reads, and copies, all steps)."""
        if bool(on) != self._time_as_components:
            self._time_as_components = bool(on)
            self.Modified()

    def GetTimeAsComponents(self) -> bool:
        return self._time_as_components

    def SetSeriesID(self, uid: str | None):
        """The DICOM series to read from a folder (SeriesInstanceUID); None or "": the
        series with the most slices (or, for a file, its own series)."""
        uid = uid or None
        if uid != self._series_id:
            self._series_id = uid
            self._source = None
            self.Modified()

    def GetSeriesID(self) -> str | None:
        return self._series_id

    def GetSeriesIDs(self) -> list[str]:
        """The DICOM series beside the file (or in the folder), most slices first."""
        return list(getattr(self._get_source(), "series_ids", []))

    def GetSeriesDescriptions(self) -> list[str]:
        """One short text per series of :meth:`GetSeriesIDs` ('CT "Chest" 120 slices 512x512')."""
        source = self._get_source()
        return source.descriptions() if hasattr(source, "descriptions") else []

    def SetWholeSeries(self, on: bool):
        """On (default): a DICOM file opens the whole series it belongs to. Off: the file alone."""
        if bool(on) != self._whole_series:
            self._whole_series = bool(on)
            self._source = None
            self.Modified()

    def GetWholeSeries(self) -> bool:
        return self._whole_series

    def SetReportErrors(self, on: bool):
        """On (default): a failed pass prints its error on VTK's output window. Off: the
        error is only kept in :attr:`last_error` (for callers that raise it instead)."""
        self._report_errors = bool(on)

    def GetReportErrors(self) -> bool:
        return self._report_errors

    def _steps_as_components(self, header: ImageHeader) -> bool:
        return self._time_as_components and header.time_steps > 1

    def _get_source(self) -> ImageSource:
        if not self._file_names:
            raise ReadError("<no file>", "no file name set")
        if self._source is None:
            self._source = open_source(self._file_names, self._series_id, self._whole_series)
        return self._source

    def GetHeader(self) -> ImageHeader:
        """The file's header (read once per file name); raises ReadError."""
        return self._get_source().header

    def GetTimeStepValues(self) -> list[float]:
        return self.GetHeader().time_values()

    # -- pipeline -----------------------------------------------------------------
    def RequestInformation(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        try:
            self.last_error = None
            stamp = _stamp(self._file_names)
            if stamp != self._source_stamp:  # a file changed on disk: read its header again
                self._source, self._source_stamp = None, stamp
            header = self.GetHeader()
            check_header(header)
        except ReadError as error:
            return self._fail(error, info)
        nx, ny, nz = header.volume_size
        spacing, origin, direction = header.world_geometry(self._coordinate_system)
        info.Set(_SDDP.WHOLE_EXTENT(), 0, nx - 1, 0, ny - 1, 0, nz - 1)
        info.Set(vtkDataObject.SPACING(), list(spacing), 3)
        info.Set(vtkDataObject.ORIGIN(), list(origin), 3)
        info.Set(vtkDataObject.DIRECTION(), list(np.ravel(direction)), 9)
        info.Set(vtkAlgorithm.CAN_PRODUCE_SUB_EXTENT(), 1)
        times = [] if self._steps_as_components(header) else header.time_values()
        components = header.components * (header.time_steps if self._steps_as_components(header) else 1)
        if times:
            info.Set(_SDDP.TIME_STEPS(), times, len(times))
            info.Set(_SDDP.TIME_RANGE(), [times[0], times[-1]], 2)
        else:
            info.Remove(_SDDP.TIME_STEPS())
            info.Remove(_SDDP.TIME_RANGE())
        vtkDataObject.SetPointDataActiveScalarInfo(
            info, get_vtk_array_type(header.component_dtype), components
        )
        return 1

    def RequestUpdateExtent(self, request, inInfo, outInfo):
        # Pieces (MPI ranks) as z slabs: each rank reads one contiguous part of the file
        # (VTK's default splits the longest axis, often x: every row read in part).
        # Called before VTK turns the piece into UPDATE_EXTENT; see sitkvtk.pieces.
        info = outInfo.GetInformationObject(0)
        info.Set(vtkExtentTranslator.UPDATE_SPLIT_MODE(), split_mode(info, self._slab_mode()))
        return 1

    def _slab_mode(self) -> int:
        return vtkExtentTranslator.Z_SLAB_MODE

    def RequestData(self, request, inInfo, outInfo):
        info = outInfo.GetInformationObject(0)
        output = vtkImageData.GetData(info)
        try:
            if holds_nothing(info):  # a piece with no cell: more ranks than cells
                output.Initialize()
                return 1
            step = self._time_step(info, self.GetHeader())
            image = self.ReadImage(info.Get(_SDDP.UPDATE_EXTENT()), step)
        except ReadError as error:
            return self._fail(error, info)
        output.ShallowCopy(image)
        _copy_time(image, output)
        return 1

    def ReadImage(self, extent, step: int = 0) -> vtkImageData:
        """Voxels ``extent`` (VTK (x0, x1, y0, y1, z0, z1)) of volume ``step`` as a new
        ``vtkImageData`` with its geometry, field data and time; raises ReadError.

        The pipeline's ``RequestData`` serves its requests with this, and so can other
        algorithms built on this reader.
        """
        header = self.GetHeader()
        if self._steps_as_components(header):
            array = self._read_steps_as_components(header, extent)
        else:
            array = vtk_array_from_voxels(self._read_extent(header, extent, step))
        spacing, origin, direction = header.world_geometry(self._coordinate_system)
        image = vtkImageData()
        set_vtk_image_geometry(image, spacing, origin, direction, extent)
        image.GetPointData().SetScalars(array)
        add_field_data(image, header, self._coordinate_system)
        if header.time_steps > 1 and not self._steps_as_components(header):
            image.GetInformation().Set(vtkDataObject.DATA_TIME_STEP(), header.time_values()[step])
        return image

    # -- helpers ------------------------------------------------------------------
    def _time_step(self, info, header: ImageHeader) -> int:
        times = header.time_values()
        if not times or not info.Has(_SDDP.UPDATE_TIME_STEP()):
            return 0
        wanted = info.Get(_SDDP.UPDATE_TIME_STEP())
        return int(np.argmin([abs(t - wanted) for t in times]))

    def _read_extent(self, header: ImageHeader, extent, step: int):
        """Voxels ``extent`` (VTK (x0, x1, y0, y1, z0, z1)) of volume ``step``: a SimpleITK
        image or a (z, y, x[, c]) array."""
        nx, ny, nz = header.volume_size
        start = [extent[0], extent[2], extent[4]]
        size = [extent[1] - extent[0] + 1, extent[3] - extent[2] + 1, extent[5] - extent[4] + 1]
        if min(size) <= 0 or min(start) < 0 or extent[1] >= nx or extent[3] >= ny or extent[5] >= nz:
            raise ReadError(header.path, f"requested extent {tuple(extent)} is outside the image")
        voxels = self._get_source().read_box(start, size, step, self.UpdateProgress)
        if voxels_size(voxels) != tuple(size):
            got = voxels_size(voxels)
            raise ReadError(header.path, f"read {got} voxels where {tuple(size)} were requested")
        return voxels

    def _read_steps_as_components(self, header: ImageHeader, extent):
        """Every time step of ``extent`` in one (points, steps * components) array."""
        steps, ncomp = header.time_steps, header.components
        npoints = (extent[1] - extent[0] + 1) * (extent[3] - extent[2] + 1) * (extent[5] - extent[4] + 1)
        values = np.empty((npoints, steps, ncomp), dtype=header.component_dtype)
        for step in range(steps):
            volume = self._read_extent(header, extent, step)  # the view needs it alive
            view = sitk.GetArrayViewFromImage(volume) if isinstance(volume, sitk.Image) else volume
            values[:, step, :] = view.reshape(npoints, ncomp)
            self.UpdateProgress((step + 1) / steps)
        array = numpy_to_vtk(values.reshape(npoints, steps * ncomp), deep=False)
        array.SetName(SCALARS_NAME)
        for step, time in enumerate(header.time_values()):
            for c in range(ncomp):
                array.SetComponentName(step * ncomp + c, f"t={time:g}" + (f" c{c}" if ncomp > 1 else ""))
        return array

    def _fail(self, error: ReadError, info) -> int:
        """Report ``error`` and empty the output: a failed pass must not leave the last good data."""
        self.last_error = error
        output = info.Get(vtkDataObject.DATA_OBJECT())  # an image, or a subclass's other output
        if output is not None:
            output.Initialize()
        if self._report_errors:
            # vtk_text: an ITK message may quote undecodable bytes, which would abort VTK.
            vtkOutputWindow.GetInstance().DisplayErrorText(vtk_text(f"ERROR: SimpleITKReader: {error}\n"))
        return 0


def _stamp(paths: list[str]) -> tuple:
    """What tells that the files changed: modification time and size of each."""
    stamps = []
    for path in paths:
        try:
            stat = os.stat(path)
            stamps.append((path, stat.st_mtime_ns, stat.st_size))
        except OSError:
            stamps.append((path, None, None))
    return tuple(stamps)


def _copy_time(source: vtkImageData, target) -> None:
    key = vtkDataObject.DATA_TIME_STEP()
    if source.GetInformation().Has(key):
        target.GetInformation().Set(key, source.GetInformation().Get(key))
    else:
        target.GetInformation().Remove(key)

"""WorldImageReader: the reader with a choice of output for every filter; the plugin runs it."""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonDataModel import vtkDataObject, vtkImageData, vtkStructuredGrid
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline

from ..errors import ReadError
from ..fielddata import header_summary
from ..geometry import source_extent, world_grid
from ..header import ImageHeader
from ..pieces import SLAB_MODES, holds_nothing
from ..reader import SimpleITKReader
from .grid import structured_grid_from_image
from .modes import OUTPUT_MODES, choose_mode
from .resample import resample_to_world

_SDDP = vtkStreamingDemandDrivenPipeline


class WorldImageReader(SimpleITKReader):
    """:class:`~sitkvtk.SimpleITKReader` with a choice of output for every filter.

    ``SetOutputMode``: "Image" (``vtkImageData`` with the direction matrix),
    "StructuredGrid" (``vtkStructuredGrid``, world points), "Resampled" (axis-aligned
    ``vtkImageData``) or "Auto" (see :func:`~sitkvtk.world.modes.choose_mode`). Every
    mode streams sub-extents and carries the field data of the plain reader.
    """

    def __init__(self):
        super().__init__()
        self.OutputType = "vtkDataSet"
        self._output_mode = "Auto"
        self._dicom_probe: tuple[str, bool] = ("", False)

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
        """:func:`~sitkvtk.fielddata.header_summary` of the current file, empty if it cannot be read."""
        try:
            return header_summary(self.GetHeader(), self.GetCoordinateSystem())
        except ReadError:
            return {}

    def SetChosenFileNames(self, names) -> None:
        """Files as a file chooser hands them over: one file, or a numbered group.

        ParaView's file dialog groups numbered files (scan_000.nii.gz, scan_001.nii.gz, ...)
        into one list: a time series, one step per file. Numbered DICOM files
        (img0001.dcm, ...) are grouped too, but are one series: with WholeSeries on, that
        is read whole from its first file.
        """
        names = [name for name in names if name]
        if len(names) > 1 and self.GetWholeSeries() and self._is_dicom(names[0]):
            names = names[:1]
        self.SetFileNames(names)

    def _is_dicom(self, path) -> bool:
        if self._dicom_probe[0] != path:  # a chooser asks once per file of a list
            from ..dicom.source import is_dicom_file  # DICOM code loads only where needed

            self._dicom_probe = (path, is_dicom_file(path) is not None)
        return self._dicom_probe[1]

    def _mode_or_image(self) -> str:
        try:
            return self.GetConcreteOutputMode()
        except ReadError:
            return "Image"  # RequestInformation reports the error

    def _world_grid(self, header: ImageHeader):
        spacing, origin, direction = header.world_geometry(self.GetCoordinateSystem())
        nx, ny, nz = header.volume_size
        whole = [0, nx - 1, 0, ny - 1, 0, nz - 1]
        return spacing, origin, direction, whole, world_grid(spacing, origin, direction, whole)

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
        if holds_nothing(info):  # a piece with no cell: more ranks than cells
            output.Initialize()
            return 1
        extent = info.Get(_SDDP.UPDATE_EXTENT())
        try:
            mode = self._mode_or_image()
            header = self.GetHeader()
            step = self._time_step(info, header)
            if mode == "Resampled":
                spacing, origin, direction, whole, (out_spacing, out_origin, _) = self._world_grid(header)
                box = source_extent(spacing, origin, direction, whole, out_spacing, out_origin, extent)
                image = self.ReadImage(box or [0, 0, 0, 0, 0, 0], step)
                result = resample_to_world(image, out_spacing, out_origin, extent)
            elif mode == "StructuredGrid":
                image = self.ReadImage(extent, step)
                result = structured_grid_from_image(image)
            else:
                image = result = self.ReadImage(extent, step)
        except ReadError as error:
            return self._fail(error, info)
        output.ShallowCopy(result)
        time_key = vtkDataObject.DATA_TIME_STEP()
        if image.GetInformation().Has(time_key):
            output.GetInformation().Set(time_key, image.GetInformation().Get(time_key))
        return 1

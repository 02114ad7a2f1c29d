"""sitkvtk for PyVista: the reader and the writer PyVista's registries load by sitkvtk's entry points.

With PyVista >= 0.49 installed, ``pyvista.read("brain.nii.gz")`` reaches
:class:`SimpleITKImageReader` and ``ImageData.save("x.nrrd")`` reaches :func:`save`, with no
code in the user's script. Nothing in sitkvtk imports this module: without PyVista nothing
changes. Which extensions go where is declared in pyproject.toml; the tables below say why.
"""

from __future__ import annotations

import os

import pyvista
from vtkmodules.vtkCommonCore import vtkCommand
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline

from .errors import ReadError
from .reader import SimpleITKReader

__all__ = ["SimpleITKImageReader", "save"]

#: Extensions whose PyVista reader sitkvtk replaces (group ``pyvista.readers.override``):
#: VTK's readers misplace these images (origin, direction) or cannot read them. "." is a
#: path without an extension: a DICOM folder or an extension-less DICOM file (PyVista keys
#: its registry by extension and a folder's is "", which its ``get_reader`` turns into ".").
OVERRIDDEN = (".nii", ".nii.gz", ".img", ".mha", ".mhd", ".nrrd", ".nhdr", ".mnc", ".dcm", ".")
#: Extensions SimpleITK reads and PyVista does not (group ``pyvista.readers``).
ADDED = (".img.gz", ".mnc2", ".mrc", ".rec", ".gipl", ".gipl.gz", ".dicom", ".lsm", ".pic",
         ".hdf5", ".he5", ".spr", ".j2k", ".jp2")
#: Extensions of sitkvtk's formats left unclaimed, and why (most stay with PyVista's readers).
NOT_CLAIMED = {
    ".nia": "SimpleITK 2.5.7 writes it but does not read it back",
    ".hdr": "PyVista reads it as a Radiance HDR picture (read an Analyze pair by its .img)",
    ".h5": "PyVista reads Fluent CFF files", ".hdf": "PyVista reads VTKHDF files",
    ".vtk": "PyVista reads every legacy VTK dataset, meshes too",
    ".png": "a picture", ".jpg": "a picture", ".jpeg": "a picture", ".bmp": "a picture",
    ".tif": "a picture", ".tiff": "a picture",
}
#: Extensions :func:`save` writes (group ``pyvista.writers``): the formats that keep an
#: image's geometry, or refuse the image (sitkvtk's writer rules). Pictures and .vtk stay
#: with PyVista's writers.
WRITTEN = (".nii", ".nii.gz", ".hdr", ".mha", ".mhd", ".nrrd", ".nhdr", ".mnc", ".mnc2", ".gipl", ".mrc")

_SDDP = vtkStreamingDemandDrivenPipeline


class _PipelineReader(SimpleITKReader):
    """sitkvtk's VTK source as PyVista drives it: errors raised by :class:`SimpleITKImageReader`
    with sitkvtk's message, not printed by VTK on the way."""

    def __init__(self):
        super().__init__()
        self.SetReportErrors(False)
        # The executive's "returned failure" line: the ReadError raised instead says more.
        self.GetExecutive().AddObserver(vtkCommand.ErrorEvent, _ignore)

    def SetDirectoryName(self, folder):
        """PyVista hands a folder here; sitkvtk reads a DICOM folder by its name."""
        self.SetFileName(folder)


def _ignore(_caller, _event, *_data) -> None:
    pass


class SimpleITKImageReader(pyvista.BaseReader["ImageData"], pyvista.TimeReader):
    """Any image SimpleITK reads, as a :class:`pyvista.ImageData` in the right place.

    Origin, spacing and direction matrix are set (ITK's LPS world, or RAS); the voxels are
    not copied. A 4-D file is a time series: ``time_values`` are the file's steps, and
    ``set_active_time_point(k)`` makes :meth:`read` read volume ``k`` only. A file with
    one volume has no time values.

    Attributes that ``pyvista.read(path, name=value)`` sets: ``coordinate_system``
    ("LPS" or "RAS"), ``series_id`` (the DICOM series of a folder), ``whole_series``
    (False: a DICOM file alone, not its series).

    Errors are :class:`sitkvtk.ReadError`, naming the file and the reason.
    """

    _class_reader = _PipelineReader

    def _set_defaults(self) -> None:
        self._active_time_value: float | None = None

    def _update_information(self) -> None:
        self.reader.UpdateInformation()
        self._raise_error()

    def _raise_error(self) -> None:
        if self.reader.last_error is not None:
            raise self.reader.last_error

    def read(self, *, validate: bool | None = None):
        """The image (of the active time point) as a :class:`pyvista.ImageData`; raises ReadError."""
        self._update_information()
        if self._active_time_value is not None:
            # Update() keeps the time asked for here: one volume is read, not the file.
            self.reader.GetOutputInformation(0).Set(_SDDP.UPDATE_TIME_STEP(), self._active_time_value)
        try:
            image = super().read(validate=validate)
        except RuntimeError as error:  # PyVista's own report of a failed update
            self._raise_error()
            detail = [line.strip() for line in str(error).splitlines() if line.strip()][-1:]
            raise ReadError(self.path, f"the pipeline failed ({''.join(detail)})") from error
        self._raise_error()
        if image.n_points == 0:  # a failure no ReadError described: never empty data
            raise ReadError(self.path, "the pipeline failed (see VTK's error output)")
        return image

    # -- reader attributes ----------------------------------------------------------
    @property
    def coordinate_system(self) -> str:
        """"LPS" (ITK's world, the default) or "RAS" (first two world axes negated)."""
        return self.reader.GetCoordinateSystem()

    @coordinate_system.setter
    def coordinate_system(self, name: str) -> None:
        self.reader.SetCoordinateSystem(name)

    @property
    def series_id(self) -> str | None:
        """The DICOM series read from a folder (SeriesInstanceUID); None: the one with most slices."""
        return self.reader.GetSeriesID()

    @series_id.setter
    def series_id(self, uid: str | None) -> None:
        self.reader.SetSeriesID(uid)
        self._update_information()

    @property
    def series_ids(self) -> list[str]:
        """The DICOM series in the folder (or beside the file), most slices first."""
        return self.reader.GetSeriesIDs()

    @property
    def whole_series(self) -> bool:
        """True (default): a DICOM file opens its whole series. False: the file alone."""
        return self.reader.GetWholeSeries()

    @whole_series.setter
    def whole_series(self, on: bool) -> None:
        self.reader.SetWholeSeries(on)
        self._update_information()

    # -- time -----------------------------------------------------------------------
    @property
    def time_values(self) -> list[float]:
        """The time of each volume of a 4-D file (from its 4th axis); [] for one volume."""
        return list(self.reader.GetTimeStepValues())

    @property
    def number_time_points(self) -> int:
        return len(self.time_values)

    def time_point_value(self, time_point: int) -> float:
        return self.time_values[time_point]

    @property
    def active_time_value(self) -> float | None:
        """The time :meth:`read` reads; None for a file with one volume."""
        if self._active_time_value is None and self.time_values:
            return self.time_values[0]
        return self._active_time_value

    def set_active_time_value(self, time_value: float) -> None:
        if time_value not in self.time_values:
            raise ValueError(f"Not a valid time {time_value} from available time values: {self.time_values}")
        self._active_time_value = float(time_value)

    def set_active_time_point(self, time_point: int) -> None:
        times = self.time_values
        if not -len(times) <= time_point < len(times):
            raise IndexError(f"time point {time_point} out of range: {self.path} has {len(times)} time points")
        self._active_time_value = times[time_point]


def save(dataset, path: str | os.PathLike, **options) -> None:
    """``DataObject.save(path, **options)`` for :data:`WRITTEN`: :func:`sitkvtk.write`.

    Origin, spacing, direction and pixel type are kept, or the write is refused with
    :class:`sitkvtk.WriteError` (a format that cannot keep the geometry, a dataset that is
    not an image); ``options`` are ``write``'s (``compress``, ``allow_geometry_loss``, ...).
    """
    from .writer import write  # the writer loads on first save: readers pay only for reading

    write(dataset, path, **options)

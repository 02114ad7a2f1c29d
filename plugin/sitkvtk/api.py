"""read() and write(): from a path to a ``vtkImageData`` and back in one call, errors as exceptions."""

from __future__ import annotations

import os

from vtkmodules.vtkCommonCore import vtkCommand
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as _SDDP

from .errors import ReadError
from .reader import SimpleITKReader


def read(
    path, *, coordinate_system: str = "LPS", extent=None, time_step: int | None = None,
    time_as_components: bool = False,
) -> vtkImageData:
    """Read ``path`` into a ``vtkImageData``, all of it or one extent / time step.

    Parameters
    ----------
    path : str, os.PathLike, or a list of them
        Any file SimpleITK reads; a list is a file series, one time step per file.
    coordinate_system : {"LPS", "RAS"}
    extent : sequence of 6 ints, optional
        VTK extent ``(x0, x1, y0, y1, z0, z1)`` to read; default the whole image.
    time_step : int, optional
        Index of the volume of a 4-D file or file series; default the first.
    time_as_components : bool
        Read a 4-D file as one volume whose components are the time steps.

    Raises
    ------
    ReadError
        Naming the file and the reason.
    """
    reader = SimpleITKReader()
    if isinstance(path, (list, tuple)):
        reader.SetFileNames(path)
    else:
        reader.SetFileName(path)
    reader.SetCoordinateSystem(coordinate_system)
    reader.SetTimeAsComponents(time_as_components)
    # The exception carries the message: nothing on VTK's output window, from the reader
    # or from its executive (an observer takes the executive's error events instead).
    reader.SetReportErrors(False)
    executive = reader.GetExecutive()
    observer = executive.AddObserver(vtkCommand.ErrorEvent, _ignore)
    try:
        return _update(reader, path, extent, time_step)
    finally:
        executive.RemoveObserver(observer)


def _ignore(_caller, _event, *_data) -> None:
    pass


def _update(reader: SimpleITKReader, path, extent, time_step) -> vtkImageData:
    reader.UpdateInformation()
    if reader.last_error is not None:
        raise reader.last_error
    times = reader.GetTimeStepValues()
    if time_step is not None and not 0 <= time_step < max(len(times), 1):
        raise ReadError(path, f"time step {time_step} out of range (the file has {max(len(times), 1)})")
    if extent is not None:
        whole = reader.GetOutputInformation(0).Get(_SDDP.WHOLE_EXTENT())
        if any(extent[2 * a] < whole[2 * a] or extent[2 * a + 1] > whole[2 * a + 1]
               or extent[2 * a] > extent[2 * a + 1] for a in range(3)):
            raise ReadError(path, f"extent {tuple(extent)} is not inside the image's extent {whole}")
    time = times[time_step or 0] if times else None
    if time is not None and extent is not None:
        reader.UpdateTimeStep(time, -1, 1, 0, [int(e) for e in extent])
    elif time is not None:
        reader.UpdateTimeStep(time)
    elif extent is not None:
        reader.UpdateExtent([int(e) for e in extent])
    else:
        reader.Update()
    if reader.last_error is not None:
        raise reader.last_error
    result = vtkImageData()
    result.ShallowCopy(reader.GetOutputDataObject(0))
    if result.GetNumberOfPoints() == 0:  # a failure no ReadError described: never empty data
        raise ReadError(path, "the pipeline failed (see VTK's error output)")
    return result


def write(
    image, path: str | os.PathLike, *, array_name: str | None = None, compress: bool = True,
    force: bool = True, allow_geometry_loss: bool = False,
) -> None:
    """Write ``image`` (a ``vtkImageData``, or a structured grid that is a lattice) to ``path``;
    the extension picks the format. Raises WriteError; see :func:`sitkvtk.writer.write`."""
    from .writer import write as write_image  # the writer loads on first use: readers pay only for reading

    write_image(image, path, array_name=array_name, compress=compress, force=force,
                allow_geometry_loss=allow_geometry_loss)

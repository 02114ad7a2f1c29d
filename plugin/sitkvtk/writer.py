"""Writing a vtkImageData to any format SimpleITK writes, or to .vti (VTK XML).

A write goes into a temporary folder beside the target (see :mod:`.staging`), is read
back and checked (pixel type, size, and geometry unless its loss is allowed), and only
then moved into place: a failed write leaves nothing behind.
"""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk
from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase
from vtkmodules.vtkCommonCore import vtkCommand, vtkOutputWindow
from vtkmodules.vtkCommonDataModel import vtkDataSet, vtkImageData, vtkStructuredGrid

from .bridge import image_from_vtk_image, image_geometry, point_array
from .errors import WriteError
from .formats.minc import minc_needs_flip
from .geometry import RAS_FLIP, world_corners
from .sources.file import read_header
from .staging import check_target, commit
from .world.grid import image_from_structured_grid

__all__ = ["SimpleITKWriter", "write"]

_MINC = (".mnc", ".mnc2")
_DICOM = (".dcm", ".dicom")
# What ITK 5.4's GDCMImageIO writes (uncompressed); it refuses anything else, and a
# refused write is not worth risking in a library that cannot catch an abort.
_DICOM_PIXELS = {
    2: {sitk.sitkUInt8, sitk.sitkInt8, sitk.sitkUInt16, sitk.sitkInt16, sitk.sitkUInt32,
        sitk.sitkInt32, sitk.sitkVectorUInt8, sitk.sitkVectorUInt16},
    3: {sitk.sitkUInt8, sitk.sitkUInt16},
}


def write(
    image: vtkImageData,
    path: str | os.PathLike,
    *,
    array_name: str | None = None,
    compress: bool = True,
    force: bool = True,
    allow_geometry_loss: bool = False,
) -> None:
    """Write ``image`` to ``path``; the extension picks the format.

    Parameters
    ----------
    image : vtkImageData or vtkStructuredGrid
        Point data (one array: by name, else the active scalars, else the only one),
        any SimpleITK pixel type and number of components; spacing, origin, direction
        and extent start are kept. A structured grid must be a regular lattice (the
        reader's world-point output, filtered but not warped): its geometry is taken
        from its points (:func:`sitkvtk.world.grid.image_from_structured_grid`).
    path : str or os.PathLike
        ``.vti`` is written by VTK (all point-data arrays, direction kept); every other
        extension by SimpleITK (.nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, .hdr, .mnc,
        .tif, .png, .vtk, .dcm, ...).
    compress : bool
        Compress where the format can (.mha, .mhd, .nrrd, .nhdr, .mnc, .tif, .vti);
        .nii stays uncompressed and .nii.gz is always compressed; DICOM is never
        compressed (SimpleITK 2.5.7 aborts the process doing it).
    force : bool
        Overwrite an existing file (default), or refuse with WriteError.
    allow_geometry_loss : bool
        By default a format that cannot keep the image's origin, spacing or direction
        (.png, .tif, .vtk, .jpg, a 2-D .dcm, ...) is refused; True writes it anyway.

    Raises
    ------
    WriteError
        Naming the file and the reason; nothing is left at ``path`` (an existing file
        stays as it was).
    """
    path = os.fspath(path)
    check_target(path, force)
    if isinstance(image, vtkStructuredGrid):
        try:
            image = image_from_structured_grid(image)
        except ValueError as error:
            raise WriteError(path, str(error)) from None
    if path.lower().endswith(".vti"):
        commit(path, force, lambda temporary: _write_vti(image, temporary, array_name, compress))
        return
    try:
        sitk_image = image_from_vtk_image(image, array_name)
    except (TypeError, ValueError) as error:
        raise WriteError(path, str(error)) from None
    _check_dicom(path, sitk_image)

    def write_and_check(temporary: str) -> None:
        _write_sitk(sitk_image, temporary, compress)
        _check_written(temporary, sitk_image, allow_geometry_loss)

    commit(path, force, write_and_check)


def _write_sitk(image: sitk.Image, path: str, compress: bool) -> None:
    if path.lower().endswith(_MINC) and minc_needs_flip():
        # ITK before 6.0 stores its LPS coordinates in MINC's RAS fields unconverted;
        # hand it RAS so that the file says what was meant (the reader flips back).
        dim = image.GetDimension()
        flip = np.diag(RAS_FLIP)[:dim]
        direction = np.reshape(image.GetDirection(), (dim, dim)) * flip[:, None]
        image = sitk.Image(image)
        image.SetOrigin((np.array(image.GetOrigin()) * flip).tolist())
        image.SetDirection(direction.ravel().tolist())
    if path.lower().endswith(_DICOM):
        # SimpleITK 2.5.7's compressed DICOM writing corrupts the heap and aborts the
        # process (seen for 8- and 16-bit, 2-D and 3-D): DICOM is written uncompressed.
        compress = False
    sitk.WriteImage(image, path, useCompression=bool(compress))


def _check_dicom(path: str, image: sitk.Image) -> None:
    if not path.lower().endswith(_DICOM):
        return
    allowed = _DICOM_PIXELS.get(image.GetDimension(), set())
    if image.GetPixelID() not in allowed:
        kinds = ", ".join(sorted(sitk.GetPixelIDValueAsString(p) for p in allowed))
        raise WriteError(
            path,
            f"SimpleITK cannot write a {image.GetDimension()}-D {image.GetPixelIDTypeAsString()} "
            f"image as DICOM (it writes {kinds})",
        )


def _check_written(path: str, image: sitk.Image, allow_geometry_loss: bool) -> None:
    """Read the header back: same pixel type, size and (unless allowed) geometry."""
    header = read_header(path)
    if header.pixel_id != image.GetPixelID():
        raise ValueError(
            f"the format cannot hold {image.GetPixelIDTypeAsString()} pixels "
            f"(they would be stored as {header.pixel_type})"
        )
    size = tuple(image.GetSize()) + (1,) * (3 - image.GetDimension())
    if header.volume_size != size:
        raise ValueError(f"the format stored a {size} image as {header.volume_size}")
    if allow_geometry_loss:
        return
    wanted = image_geometry(image)
    stored = header.world_geometry("LPS")
    points_wanted = world_corners(*wanted, size)
    error = np.abs(world_corners(*stored, size) - points_wanted).max()
    # NIfTI and Analyze keep float32 headers: tolerate their rounding, nothing more.
    if error > 1e-3 + 1e-6 * np.abs(points_wanted).max():
        lost = [
            name
            for name, a, b in zip(("spacing", "origin", "direction"), wanted, stored, strict=False)
            if not np.allclose(a, b, rtol=1e-5, atol=1e-5)
        ]
        raise ValueError(
            f"the format does not keep the image's {', '.join(lost) or 'geometry'} "
            f"(a corner would move {error:.3g} mm); write .nii.gz, .nrrd, .mha or .vti, "
            "or allow geometry loss"
        )


def _write_vti(image: vtkImageData, path: str, array_name: str | None, compress: bool) -> None:
    from vtkmodules.vtkIOXML import vtkXMLImageDataWriter

    if not isinstance(image, vtkImageData):
        raise TypeError(f"expected a vtkImageData, got {type(image).__name__}")
    data = image
    if array_name is not None:
        data = vtkImageData()
        data.CopyStructure(image)
        data.GetPointData().SetScalars(point_array(image, array_name))
    writer = vtkXMLImageDataWriter()
    writer.SetFileName(path)
    writer.SetInputData(data)
    writer.SetDataModeToAppended()
    writer.EncodeAppendedDataOff()
    if compress:
        writer.SetCompressorTypeToZLib()
    else:
        writer.SetCompressorTypeToNone()
    errors: list[str] = []
    writer.AddObserver(vtkCommand.ErrorEvent, lambda _obj, _event, *rest: errors.append(""))
    ok = writer.Write()  # the observer takes its errors: the exception below carries the message
    if not ok or errors or writer.GetErrorCode():
        raise ValueError("VTK's XML writer failed")


class SimpleITKWriter(VTKPythonAlgorithmBase):
    """A VTK sink that writes its input (``vtkImageData``, or a ``vtkStructuredGrid``
    that is a regular lattice) with :func:`write`.

    ``SetFileName``, ``SetArrayName`` (default: the active scalars), ``SetCompression``
    (default on), ``SetAllowGeometryLoss`` (default off), then ``Write()``, which
    raises :class:`WriteError` on failure (kept in :attr:`last_error` too).
    """

    def __init__(self):
        super().__init__(nInputPorts=1, inputType="vtkDataSet", nOutputPorts=0)
        self._file_name: str | None = None
        self._array_name: str | None = None
        self._compression = True
        self._allow_geometry_loss = False
        self._raising = False  # inside Write(), which raises the error instead of printing it
        #: The WriteError of the last Write(), or None after a good one.
        self.last_error: WriteError | None = None

    def _set(self, attribute: str, value) -> None:
        if getattr(self, attribute) != value:
            setattr(self, attribute, value)
            self.Modified()

    def SetInputData(self, image: vtkImageData) -> None:
        self.SetInputDataObject(0, image)

    def SetFileName(self, file_name):
        self._set("_file_name", None if file_name is None else os.fspath(file_name))

    def GetFileName(self):
        return self._file_name

    def SetArrayName(self, name):
        self._set("_array_name", name or None)

    def GetArrayName(self):
        return self._array_name

    def SetCompression(self, value):
        self._set("_compression", bool(value))

    def GetCompression(self) -> bool:
        return self._compression

    def SetAllowGeometryLoss(self, value):
        self._set("_allow_geometry_loss", bool(value))

    def GetAllowGeometryLoss(self) -> bool:
        return self._allow_geometry_loss

    def RequestData(self, request, inInfo, outInfo):
        image = vtkDataSet.GetData(inInfo[0], 0)
        try:
            if self._file_name is None:
                raise WriteError("<no file>", "no file name set")
            write(
                image,
                self._file_name,
                array_name=self._array_name,
                compress=self._compression,
                allow_geometry_loss=self._allow_geometry_loss,
            )
        except WriteError as error:
            self.last_error = error
            if not self._raising:
                vtkOutputWindow.GetInstance().DisplayErrorText(f"ERROR: SimpleITKWriter: {error}\n")
            return 0
        return 1

    def Write(self) -> int:
        """Write the input now; returns 1 or raises WriteError."""
        self.last_error = None
        if self.GetNumberOfInputConnections(0) == 0:
            self.last_error = WriteError(self._file_name or "<no file>", "the writer has no input")
            raise self.last_error
        self.Modified()
        # The exception below carries the message: not printed by RequestData, and the
        # executive's "returned failure" goes to an observer.
        executive = self.GetExecutive()
        observer = executive.AddObserver(vtkCommand.ErrorEvent, lambda *_: None)
        self._raising = True
        try:
            self.Update()
        finally:
            self._raising = False
            executive.RemoveObserver(observer)
        if self.last_error is not None:
            raise self.last_error
        return 1

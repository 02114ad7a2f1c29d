"""GDCM through SimpleITK: the one place a GDCM reader is set up."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from ..errors import ReadError, itk_reason
from .charset import decoded_metadata
from .checks import check_path
from .parse import GDCM_KEYS, DicomFile


def gdcm_reader(path: str) -> sitk.ImageFileReader:
    """An ``ImageFileReader`` that reads ``path`` with GDCM, whatever its name; raises
    ReadError for what GDCM would pad, hang or crash on (dicom/checks.py)."""
    check_path(path)
    reader = sitk.ImageFileReader()
    reader.SetImageIO("GDCMImageIO")
    reader.SetFileName(path)
    return reader


def header_with_gdcm(path: str) -> DicomFile | None:
    """The header of a file the Python parser refused, through GDCM (slower)."""
    reader = gdcm_reader(path)
    try:
        reader.ReadImageInformation()
    except RuntimeError:
        return None
    info = DicomFile(path)
    metadata = decoded_metadata({key: reader.GetMetaData(key) for key in reader.GetMetaDataKeys()})
    for key, value in metadata.items():
        if key in GDCM_KEYS:
            info.tags[GDCM_KEYS[key]] = value.strip("\0 ")
    info.tags.setdefault("Rows", str(reader.GetSize()[1]))
    info.tags.setdefault("Columns", str(reader.GetSize()[0]))
    return info


def pixel_type_of(path: str) -> tuple[int, int]:
    """(SimpleITK pixel ID, components) GDCM gives ``path``, rescale included."""
    reader = gdcm_reader(path)
    try:
        reader.ReadImageInformation()
    except RuntimeError as error:
        raise ReadError(path, f"GDCM cannot read it ({itk_reason(error)})") from None
    return reader.GetPixelID(), reader.GetNumberOfComponents()


def decode_slice(info: DicomFile, nx: int, ny: int) -> tuple[np.ndarray, sitk.Image]:
    """One file decoded by GDCM: a (rows, columns[, components]) view, and its image."""
    reader = gdcm_reader(info.path)
    try:
        image = reader.Execute()
    except (RuntimeError, MemoryError) as error:
        syntax = f" (transfer syntax {info.transfer_syntax})" if info.transfer_syntax else ""
        raise ReadError(info.path, f"GDCM cannot decode the pixel data{syntax}: {itk_reason(error)}") from None
    size = tuple(image.GetSize()) + (1,)
    if size[:3] != (nx, ny, 1):
        raise ReadError(info.path, f"decoded size {image.GetSize()} is not one {nx}x{ny} slice")
    ncomp = image.GetNumberOfComponentsPerPixel()
    shape = (ny, nx) + ((ncomp,) if ncomp > 1 else ())
    # The view does not keep the image alive: both go back to the caller.
    return sitk.GetArrayViewFromImage(image).reshape(shape), image

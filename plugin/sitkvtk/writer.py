"""Writing a vtkImageData to any format SimpleITK writes, or to .vti."""

from __future__ import annotations

import os

import SimpleITK as sitk
from vtkmodules.vtkCommonDataModel import vtkImageData

from .bridge import image_from_vtk_image


def write(image: vtkImageData, path: str | os.PathLike) -> None:
    """Write ``image`` to ``path``; the extension picks the format (.vti: VTK XML, direction kept)."""
    path = os.fspath(path)
    if path.lower().endswith(".vti"):
        from vtkmodules.vtkIOXML import vtkXMLImageDataWriter

        writer = vtkXMLImageDataWriter()
        writer.SetFileName(path)
        writer.SetInputData(image)
        if not writer.Write():
            raise OSError(f"{path}: VTK could not write the file")
        return
    sitk.WriteImage(image_from_vtk_image(image), path, useCompression=True)

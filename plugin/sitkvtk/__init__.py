"""sitkvtk: every image SimpleITK reads, as vtkImageData in the right place in physical space."""

from .bridge import image_from_vtk_image, vtk_image_from_image
from .errors import ReadError, WriteError
from .reader import SimpleITKReader, read
from .writer import SimpleITKWriter, write

__all__ = [
    "ReadError",
    "SimpleITKReader",
    "SimpleITKWriter",
    "WriteError",
    "image_from_vtk_image",
    "read",
    "vtk_image_from_image",
    "write",
]
__version__ = "0.1.0"

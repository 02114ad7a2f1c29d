"""sitkvtk: every image SimpleITK reads, as vtkImageData in the right place in physical space."""

from .api import read, write
from .bridge import image_from_vtk_image, vtk_image_from_image
from .errors import ReadError, WriteError
from .reader import SimpleITKReader

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


def __getattr__(name: str):
    # The writer (and the temporary-file machinery it needs) loads on first use:
    # readers pay only for reading.
    if name == "SimpleITKWriter":
        from .writer import SimpleITKWriter

        return SimpleITKWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

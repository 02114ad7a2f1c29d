"""What an image file says about itself, read without reading its voxels.

``read_header`` wraps ``ImageFileReader.ReadImageInformation`` and turns the file's
N-D geometry into the 3-D world geometry VTK needs, in LPS or RAS, with the
corrections SimpleITK itself still needs (MINC, see :func:`minc_needs_flip`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

import numpy as np
import SimpleITK as sitk

from .errors import ReadError
from .fidelity import replace_unprintable, reported_fields, simpleitk_file_name
from .validate import check_before_simpleitk, check_path

COORDINATE_SYSTEMS = ("LPS", "RAS")

# numpy type of one pixel component, for every pixel type a file can be read as.
_COMPONENT_DTYPES: dict[int, np.dtype] = {}
for _name, _dtype in [
    ("UInt8", np.uint8), ("Int8", np.int8), ("UInt16", np.uint16), ("Int16", np.int16),
    ("UInt32", np.uint32), ("Int32", np.int32), ("UInt64", np.uint64), ("Int64", np.int64),
    ("Float32", np.float32), ("Float64", np.float64),
]:
    for _prefix in ("sitk", "sitkVector", "sitkLabel"):
        if hasattr(sitk, _prefix + _name):
            _COMPONENT_DTYPES[getattr(sitk, _prefix + _name)] = np.dtype(_dtype)
# A complex pixel is two float components (SimpleITK counts it so, and so does VTK here).
_COMPONENT_DTYPES[sitk.sitkComplexFloat32] = np.dtype(np.float32)
_COMPONENT_DTYPES[sitk.sitkComplexFloat64] = np.dtype(np.float64)

_RAS_FLIP = np.diag([-1.0, -1.0, 1.0])


def minc_needs_flip() -> bool:
    """Whether this SimpleITK's MINC reader hands back RAS coordinates as if LPS.

    ITK before 6.0 keeps MINC's RAS world coordinates unconverted; ITK pull request
    4864 (merged for 6.0) converts them. Tied to the ITK version SimpleITK reports,
    so the correction switches itself off with a fixed SimpleITK.
    """
    return int(sitk.Version.ITKMajorVersion()) < 6


@dataclass(frozen=True)
class ImageHeader:
    """Size, geometry and pixel type of an image file, in the file's own dimension."""

    path: str
    io_name: str
    size: tuple[int, ...]
    spacing: tuple[float, ...]
    origin: tuple[float, ...]
    direction: tuple[float, ...]  # row-major, dimension x dimension
    pixel_id: int
    components: int
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def dimension(self) -> int:
        return len(self.size)

    @property
    def component_dtype(self) -> np.dtype:
        return _COMPONENT_DTYPES[self.pixel_id]

    @property
    def pixel_type(self) -> str:
        return sitk.GetPixelIDValueAsString(self.pixel_id)

    @property
    def volume_size(self) -> tuple[int, int, int]:
        """(nx, ny, nz) of one 3-D volume: 2-D gives nz = 1, 4-D drops time."""
        size = list(self.size[:3]) + [1] * (3 - min(self.dimension, 3))
        return (size[0], size[1], size[2])

    @property
    def time_steps(self) -> int:
        return self.size[3] if self.dimension > 3 else 1

    @property
    def voxel_bytes(self) -> int:
        """Bytes of one voxel in memory, all components."""
        return self.component_dtype.itemsize * self.components

    @property
    def volume_bytes(self) -> int:
        return int(np.prod(self.volume_size, dtype=np.float64)) * self.voxel_bytes

    def time_values(self) -> list[float]:
        """The 4th axis' physical coordinates (origin + spacing * t)."""
        if self.dimension < 4:
            return []
        return [self.origin[3] + self.spacing[3] * t for t in range(self.size[3])]

    def world_geometry(self, coordinate_system: str = "LPS"):
        """(spacing (3,), origin (3,), direction (3, 3)) of one volume in world space."""
        dim = min(self.dimension, 3)
        spacing, origin, direction = np.ones(3), np.zeros(3), np.eye(3)
        spacing[:dim] = self.spacing[:dim]
        origin[:dim] = self.origin[:dim]
        full = np.reshape(self.direction, (self.dimension, self.dimension))
        direction[:dim, :dim] = full[:dim, :dim]
        flip = self.io_name == "MINCImageIO" and minc_needs_flip()
        if coordinate_system.upper() == "RAS":
            flip = not flip
        if flip:
            origin, direction = _RAS_FLIP @ origin, _RAS_FLIP @ direction
        return spacing, origin, direction


def check_coordinate_system(value: str) -> str:
    upper = str(value).upper()
    if upper not in COORDINATE_SYSTEMS:
        raise ValueError(f"coordinate system must be one of {COORDINATE_SYSTEMS}, got {value!r}")
    return upper


def read_header(path: str | os.PathLike) -> ImageHeader:
    """Read size, geometry, pixel type and metadata of ``path`` (no voxels).

    Raises
    ------
    ReadError
        The path does not exist, is not a file, cannot be opened, no SimpleITK image
        IO can read it, or its header holds values that would hang or crash SimpleITK.
    """
    path = os.fspath(path)
    check_path(path, folder_ok=False)
    reader = sitk.ImageFileReader()
    try:
        io_name = reader.GetImageIOFromFileName(path)
    except RuntimeError:
        io_name = ""
    if not io_name:
        raise ReadError(path, "not an image format SimpleITK can read (unknown format)")
    check_before_simpleitk(path, io_name)
    with simpleitk_file_name(path) as name:
        reader.SetFileName(name)
        try:
            reader.ReadImageInformation()
        except RuntimeError as error:
            raise ReadError(path, f"cannot read the header ({itk_reason(error)})") from None
    pixel_id = reader.GetPixelID()
    if pixel_id not in _COMPONENT_DTYPES:
        raise ReadError(path, f"unsupported pixel type {reader.GetPixelIDValue()}")
    header = ImageHeader(
        path=path,
        io_name=io_name,
        size=tuple(int(s) for s in reader.GetSize()),
        spacing=tuple(float(s) for s in reader.GetSpacing()),
        origin=tuple(float(o) for o in reader.GetOrigin()),
        direction=tuple(float(d) for d in reader.GetDirection()),
        pixel_id=pixel_id,
        components=int(reader.GetNumberOfComponents()),
    )
    metadata = _metadata(reader)
    notes = reported_fields(path, io_name, metadata, header)
    return replace(header, metadata=replace_unprintable(metadata, notes))


def _metadata(reader: sitk.ImageFileReader) -> dict[str, str]:
    metadata = {}
    try:
        keys = reader.GetMetaDataKeys()
    except (RuntimeError, TypeError, UnicodeError):  # keys that are not text
        return metadata
    for key in keys:
        try:
            metadata[key] = reader.GetMetaData(key)
        except (RuntimeError, TypeError, UnicodeError):  # a value SimpleITK cannot turn into text
            continue
    return metadata


def itk_reason(error: Exception) -> str:
    """The useful line of an ITK exception: its 'Description:' if it has one."""
    text = str(error)
    for line in text.splitlines():
        if "Description:" in line:
            return line.split("Description:", 1)[1].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__

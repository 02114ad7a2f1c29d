"""ImageHeader: what an image file says about itself, as a value (no I/O here).

Size, spacing, origin and direction are in the file's own dimension and in LPS, the
way the file means them (corrections for what SimpleITK gets wrong are applied by
the format hooks before a header is made, see :mod:`sitkvtk.formats.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import SimpleITK as sitk

from .geometry import RAS_FLIP, check_coordinate_system
from .pixeltypes import COMPONENT_DTYPES


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
        return COMPONENT_DTYPES[self.pixel_id]

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
        if check_coordinate_system(coordinate_system) == "RAS":
            origin, direction = RAS_FLIP @ origin, RAS_FLIP @ direction
        return spacing, origin, direction

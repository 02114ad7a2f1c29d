"""What every source offers the reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import SimpleITK as sitk

from ..header import ImageHeader


class ImageSource(Protocol):
    path: str

    @property
    def header(self) -> ImageHeader: ...

    def read_box(
        self, start: list[int], size: list[int], step: int = 0,
        progress: Callable[[float], None] | None = None,
    ) -> sitk.Image | np.ndarray:
        """Voxels ``start .. start + size`` (x, y, z) of volume ``step``: a 2-D or 3-D
        SimpleITK image, or a (z, y, x[, c]) numpy array the caller may keep."""
        ...

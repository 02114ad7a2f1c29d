"""Output modes, and which one "Auto" stands for.

- "Image": the ``vtkImageData`` with its direction matrix. Exact and free, but not every
  filter reads the matrix (ParaView 5.11's Contour puts an oblique image's surface unrotated).
- "StructuredGrid": a ``vtkStructuredGrid`` of the voxels' world points. Exact in every
  filter; the points cost 12 bytes per voxel.
- "Resampled": an axis-aligned ``vtkImageData`` sampled from the image. Exact when the
  direction only permutes or flips axes; interpolated otherwise.
"""

from __future__ import annotations

import numpy as np

from ..geometry import is_signed_permutation

#: Output modes of the world reader, in the order ParaView lists them.
OUTPUT_MODES = ("Auto", "Image", "StructuredGrid", "Resampled")


def choose_mode(mode: str, direction) -> str:
    """The concrete mode for ``mode``: "Auto" keeps an axis-aligned image as it is,
    resamples one whose axes are only permuted or flipped (exact), and bakes world
    points for an oblique one."""
    if mode != "Auto":
        return mode
    if np.allclose(direction, np.eye(3), atol=1e-9):
        return "Image"
    return "Resampled" if is_signed_permutation(direction) else "StructuredGrid"

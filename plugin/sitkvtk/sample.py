"""The embedded sample: a small head-like phantom on an oblique, off-origin grid.

``make_phantom()`` builds it (3-D Shepp-Logan ellipsoids, as in Kak & Slaney);
``examples/make_sample.py`` writes it to ``data/phantom.mha``, which ships with the package.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

SIZE = (96, 112, 72)  # x, y, z voxels
SPACING = (1.9, 1.75, 2.6)  # mm, anisotropic
ORIGIN = (-71.0, -118.5, 42.0)  # mm, LPS
# Rotated 25 degrees about z, then 15 about x: oblique in every axis.
_AZ, _AX = np.radians(25.0), np.radians(15.0)
_RZ = np.array([[np.cos(_AZ), -np.sin(_AZ), 0], [np.sin(_AZ), np.cos(_AZ), 0], [0, 0, 1]])
_RX = np.array([[1, 0, 0], [0, np.cos(_AX), -np.sin(_AX)], [0, np.sin(_AX), np.cos(_AX)]])
DIRECTION = tuple((_RZ @ _RX).ravel())

# (value, semi-axes a b c, centre x y z, rotation about z in degrees), in units of the half-extent.
_ELLIPSOIDS = [
    (1000, 0.69, 0.92, 0.90, 0.0, 0.0, 0.0, 0),  # skull
    (-800, 0.6624, 0.874, 0.88, 0.0, -0.0184, 0.0, 0),  # brain
    (-200, 0.11, 0.31, 0.22, 0.22, 0.0, -0.25, -18),  # right ventricle
    (-200, 0.16, 0.41, 0.21, -0.22, 0.0, -0.25, 18),  # left ventricle
    (100, 0.21, 0.25, 0.35, 0.0, 0.35, -0.25, 0),
    (100, 0.046, 0.046, 0.046, 0.0, 0.1, -0.25, 0),
    (100, 0.046, 0.046, 0.02, -0.08, -0.605, -0.25, 0),
    (100, 0.046, 0.023, 0.02, 0.06, -0.605, -0.25, 0),
    (300, 0.056, 0.04, 0.1, 0.06, -0.105, 0.625, 0),
    (300, 0.056, 0.056, 0.1, 0.0, 0.1, 0.625, 0),
]


def make_phantom() -> sitk.Image:
    """The sample phantom as an int16 SimpleITK image (values 0 to 1300)."""
    nx, ny, nz = SIZE
    z, y, x = np.meshgrid(
        np.linspace(-1, 1, nz), np.linspace(-1, 1, ny), np.linspace(-1, 1, nx), indexing="ij"
    )
    volume = np.zeros((nz, ny, nx), dtype=np.float64)
    for value, a, b, c, x0, y0, z0, phi in _ELLIPSOIDS:
        cos, sin = np.cos(np.radians(phi)), np.sin(np.radians(phi))
        xr = (x - x0) * cos + (y - y0) * sin
        yr = -(x - x0) * sin + (y - y0) * cos
        inside = (xr / a) ** 2 + (yr / b) ** 2 + ((z - z0) / c) ** 2 <= 1.0
        volume[inside] += value
    image = sitk.GetImageFromArray(np.round(volume).astype(np.int16))
    image.SetSpacing(SPACING)
    image.SetOrigin(ORIGIN)
    image.SetDirection(DIRECTION)
    return image


def sample_path() -> Path:
    """Path of the shipped sample file (``data/phantom.mha``)."""
    return Path(__file__).with_name("data") / "phantom.mha"

"""Index-to-world geometry: the maths shared by readers, writer and output modes.

A voxel index (i, j, k) lies at ``origin + direction @ (spacing * ijk)`` in world space
(ITK's LPS by default; RAS flips the first two world axes). VTK >= 9 stores the same
three things on a ``vtkImageData``. Nothing here reads files.
"""

from __future__ import annotations

import numpy as np

COORDINATE_SYSTEMS = ("LPS", "RAS")

#: LPS <-> RAS: the first two world axes change sign (applied to origin and direction rows).
RAS_FLIP = np.diag([-1.0, -1.0, 1.0])


def check_coordinate_system(value: str) -> str:
    upper = str(value).upper()
    if upper not in COORDINATE_SYSTEMS:
        raise ValueError(f"coordinate system must be one of {COORDINATE_SYSTEMS}, got {value!r}")
    return upper


def flip_lps_ras(origin, direction):
    """(origin, direction) with the first two world axes flipped; works for N-D (the first
    two rows of an N x N direction, the first two origin values)."""
    origin = np.array(origin, dtype=float)
    direction = np.array(direction, dtype=float)
    origin[:2] *= -1.0
    direction[:2] *= -1.0
    return origin, direction


def positive_spacing(spacing, direction) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The same grid with every negative spacing made positive by negating its direction
    column: (spacing, row-major direction). SimpleITK's header read of some enhanced DICOM
    gives z spacing -10 along +z where its full read gives +10 along -z."""
    dim = len(spacing)
    signs = np.where(np.asarray(spacing, dtype=float) < 0, -1.0, 1.0)
    matrix = np.reshape(np.asarray(direction, dtype=float), (dim, dim)) * signs
    return tuple(float(s) for s in np.abs(spacing)), tuple(matrix.ravel().tolist())


def index_to_world(spacing, direction) -> np.ndarray:
    """(3, 3) matrix taking an index step to a world step: ``direction @ diag(spacing)``."""
    return np.asarray(direction, dtype=float) @ np.diag(np.asarray(spacing, dtype=float))


def box_corners(extent) -> np.ndarray:
    """(3, 8) index corners of a VTK extent (x0, x1, y0, y1, z0, z1)."""
    return np.array(np.meshgrid(*[extent[0:2], extent[2:4], extent[4:6]], indexing="ij")).reshape(3, -1)


def size_corners(size) -> np.ndarray:
    """(3, 8) index corners of an image of ``size`` (nx, ny, nz)."""
    return box_corners([v for n in size for v in (0, int(n) - 1)])


def world_corners(spacing, origin, direction, size) -> np.ndarray:
    """(8, 3) world positions of the corner voxels of an image of ``size``."""
    ijk = size_corners(size)
    return (np.asarray(origin, dtype=float)[:, None] + index_to_world(spacing, direction) @ ijk).T


def vtk_image_geometry(image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(spacing (3,), origin (3,), direction (3, 3)) of a ``vtkImageData``."""
    matrix = image.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    return np.array(image.GetSpacing(), dtype=float), np.array(image.GetOrigin(), dtype=float), direction


def set_vtk_image_geometry(image, spacing, origin, direction, extent=None) -> None:
    """Write spacing, origin, a 3x3 direction and optionally the extent onto a ``vtkImageData``."""
    if extent is not None:
        image.SetExtent(*(int(e) for e in extent))
    image.SetSpacing(*(float(s) for s in spacing))
    image.SetOrigin(*(float(o) for o in origin))
    image.SetDirectionMatrix(*(float(d) for d in np.ravel(direction)))


def is_signed_permutation(direction, tol: float = 1e-6) -> bool:
    """Whether ``direction`` (3, 3) only permutes and flips the axes."""
    d = np.abs(np.asarray(direction, dtype=float))
    ones = np.isclose(d, 1.0, atol=tol)
    return bool(np.all(ones | (d < tol)) and np.all(ones.sum(0) == 1) and np.all(ones.sum(1) == 1))


def world_grid(spacing, origin, direction, extent):
    """The axis-aligned grid that covers an image: (spacing (3,), origin (3,), extent (6,)).

    World axis ``j`` takes the spacing of the image axis that runs most nearly along
    it, so a permuted or flipped image keeps its voxels and its voxel count.
    """
    world = np.asarray(origin, dtype=float)[:, None] + index_to_world(spacing, direction) @ box_corners(extent)
    low, high = world.min(axis=1), world.max(axis=1)
    along = np.argmax(np.abs(np.asarray(direction, dtype=float)), axis=1)
    out_spacing = np.asarray(spacing, dtype=float)[along]
    counts = np.ceil((high - low) / out_spacing - 1e-6).astype(int) + 1
    out_extent = [v for n in counts for v in (0, int(n) - 1)]
    return out_spacing, low, out_extent


def source_extent(spacing, origin, direction, whole_extent, out_spacing, out_origin, out_extent):
    """The image extent that resampling ``out_extent`` of the world grid reads, or None
    when that part of the grid lies outside the image."""
    to_index = np.linalg.inv(index_to_world(spacing, direction))
    world = np.asarray(out_origin, dtype=float)[:, None] + np.diag(out_spacing) @ box_corners(out_extent)
    index = to_index @ (world - np.asarray(origin, dtype=float)[:, None])
    low = np.maximum(np.floor(index.min(axis=1)).astype(int) - 1, whole_extent[0::2])
    high = np.minimum(np.ceil(index.max(axis=1)).astype(int) + 1, whole_extent[1::2])
    if np.any(low > high):
        return None
    return [int(v) for pair in zip(low, high, strict=False) for v in pair]


def world_points(extent, spacing, origin, direction, dtype=np.float32) -> np.ndarray:
    """(n, 3) world positions of the voxels of ``extent``, x fastest (VTK point order)."""
    matrix = index_to_world(spacing, direction)
    axes = [np.arange(extent[2 * a], extent[2 * a + 1] + 1, dtype=float) for a in range(3)]
    # One small float64 table per axis, summed in ``dtype`` to spare a float64 (n, 3) temporary.
    x = (np.asarray(origin, dtype=float) + np.outer(axes[0], matrix[:, 0])).astype(dtype)
    y = np.outer(axes[1], matrix[:, 1]).astype(dtype)
    z = np.outer(axes[2], matrix[:, 2]).astype(dtype)
    points = z[:, None, None, :] + y[None, :, None, :] + x[None, None, :, :]
    return points.reshape(-1, 3)

"""Image <-> structured grid of world points, both ways.

:func:`structured_grid_from_image`: an oblique image as a ``vtkStructuredGrid`` whose
points are the voxels' world positions (exact in every filter; voxels shared).
Filters such as the Calculator keep it one; to write it as an image again,
:func:`image_from_structured_grid` fits origin, spacing and direction to its corner
points and checks every point against that lattice: a grid that was warped, or is no
lattice at all, is refused.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.util.numpy_support import numpy_to_vtk, vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkPoints
from vtkmodules.vtkCommonDataModel import vtkImageData, vtkStructuredGrid

from ..geometry import size_corners, vtk_image_geometry, world_points

__all__ = ["image_from_structured_grid", "structured_grid_from_image"]

#: Points are float32 (the reader bakes them so): a point may be off its lattice position
#: by a few float32 roundings of the largest coordinate involved.
FLOAT32_TOLERANCE = 8 * float(np.finfo(np.float32).eps)


def structured_grid_from_image(image: vtkImageData, dtype=np.float32) -> vtkStructuredGrid:
    """``image`` as a structured grid with its voxels' world points; point and field data shared."""
    spacing, origin, direction = vtk_image_geometry(image)
    extent = image.GetExtent()
    points = vtkPoints()
    points.SetData(numpy_to_vtk(world_points(extent, spacing, origin, direction, dtype), deep=False))
    grid = vtkStructuredGrid()
    grid.SetExtent(*extent)
    grid.SetPoints(points)
    grid.GetPointData().ShallowCopy(image.GetPointData())
    grid.GetFieldData().ShallowCopy(image.GetFieldData())
    return grid


def image_from_structured_grid(
    grid: vtkStructuredGrid, rtol: float = FLOAT32_TOLERANCE
) -> vtkImageData:
    """The ``vtkImageData`` whose voxels lie where ``grid``'s points lie; point and
    field data shared.

    Parameters
    ----------
    grid : vtkStructuredGrid
        Points in VTK order (x fastest) over ``grid.GetExtent()``.
    rtol : float
        How far a point may be from its lattice position, relative to the largest
        coordinate magnitude of the grid.

    Raises
    ------
    ValueError
        Empty or blanked grid, or points that are not ``origin + direction @ (spacing * ijk)``
        within the tolerance; the message gives the largest coordinate error in world units.
    """
    extent = grid.GetExtent()
    dims = np.array([extent[2 * a + 1] - extent[2 * a] + 1 for a in range(3)])
    if dims.min() < 1 or grid.GetPoints() is None or grid.GetNumberOfPoints() != dims.prod():
        raise ValueError(
            f"the structured grid is empty or its points do not fill its extent {extent}"
        )
    if grid.HasAnyBlankPoints() or grid.HasAnyBlankCells():
        raise ValueError("the structured grid has blanked points or cells; an image has none")
    points = vtk_to_numpy(grid.GetPoints().GetData()).reshape(dims[2], dims[1], dims[0], 3)
    corners = size_corners(dims).T
    at_corners = points[corners[:, 2], corners[:, 1], corners[:, 0]].astype(float)
    design = np.column_stack([np.ones(len(corners)), corners])
    fit = np.linalg.lstsq(design, at_corners, rcond=None)[0]  # rows: origin, then one per axis
    origin, steps = fit[0], fit[1:].T  # steps (3, 3): column a is the world step along axis a
    spacing, direction = _spacing_direction(steps, dims)
    scale = np.abs(at_corners).max() + np.abs(steps).sum()
    tolerance = rtol * max(scale, 1.0)
    orthonormal = _nearest_rotation(direction)
    error = _lattice_error(points, origin, orthonormal * spacing)
    if error <= tolerance:
        direction = orthonormal
    else:
        error = min(error, _lattice_error(points, origin, direction * spacing))
        if error > tolerance:
            raise ValueError(
                f"the structured grid's points are not a regular lattice (a point is off "
                f"the lattice through its corners by {error:.3g}, more than {tolerance:.3g}); "
                "only an image, or a grid made from one and not warped, can be written"
            )
    start = np.array(extent[0::2], dtype=float)
    image = vtkImageData()
    image.SetExtent(*extent)
    image.SetSpacing(*spacing.tolist())
    image.SetOrigin(*(origin - (direction * spacing) @ start).tolist())
    image.SetDirectionMatrix(*direction.ravel().tolist())
    image.GetPointData().ShallowCopy(grid.GetPointData())
    image.GetFieldData().ShallowCopy(grid.GetFieldData())
    if grid.GetCellData().GetNumberOfArrays():
        image.GetCellData().ShallowCopy(grid.GetCellData())
    return image


def _spacing_direction(steps: np.ndarray, dims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column lengths and unit columns; an axis one point long gets spacing 1 and a
    direction that completes the others (right-handed where it can)."""
    spacing = np.ones(3)
    direction = np.zeros((3, 3))
    known = [a for a in range(3) if dims[a] > 1]
    for a in known:
        spacing[a] = np.linalg.norm(steps[:, a])
        if spacing[a] == 0.0:
            raise ValueError(f"the structured grid's points do not move along axis {a}")
        direction[:, a] = steps[:, a] / spacing[a]
    if len(known) > 1 and np.linalg.matrix_rank(direction[:, known], tol=1e-6) < len(known):
        raise ValueError("the structured grid's axes are parallel: its points do not span a volume")
    missing = [a for a in range(3) if dims[a] == 1]
    if missing:
        # The left singular vectors past the known columns span their complement.
        basis = np.linalg.svd(direction[:, known] if known else np.zeros((3, 1)))[0]
        for a, column in zip(missing, basis[:, len(known):].T, strict=False):
            direction[:, a] = column
        if np.linalg.det(direction) < 0:
            direction[:, missing[-1]] *= -1.0
    return spacing, direction


def _nearest_rotation(direction: np.ndarray) -> np.ndarray:
    """The orthonormal matrix nearest ``direction`` (its polar factor)."""
    u, _, vt = np.linalg.svd(direction)
    return u @ vt


def _lattice_error(points: np.ndarray, origin: np.ndarray, steps: np.ndarray) -> float:
    """Largest coordinate difference between a point (z, y, x, 3) and ``origin + steps @ ijk``,
    a slab at a time (float64, one slab of temporaries)."""
    nz, ny, nx, _ = points.shape
    jj, ii = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    in_plane = origin + np.stack([ii, jj], -1) @ steps[:, :2].T  # (ny, nx, 3)
    worst = 0.0
    for k in range(nz):
        slab = points[k] - (in_plane + k * steps[:, 2])
        worst = max(worst, float(np.abs(slab, out=slab).max()))
    return worst

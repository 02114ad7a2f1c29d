"""Pieces as VTK hands them to MPI ranks, and what a set of them must be: owned cells disjoint,
covering the whole extent, each piece its owned box plus its ghost layers.

Pieces split the cells: neighbouring pieces share one layer of points (both hold it, neither
marks it as a ghost), so "disjoint" means disjoint in cells.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy

from sitkvtk.world.reader import WorldImageReader

MODES = ("Image", "StructuredGrid", "Resampled")


def world_of(image: sitk.Image, extent) -> np.ndarray:
    """World positions of the points of ``extent``, VTK order, from SimpleITK's geometry."""
    matrix = np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())
    k, j, i = np.meshgrid(*[np.arange(extent[2 * a], extent[2 * a + 1] + 1) for a in (2, 1, 0)], indexing="ij")
    ijk = np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1)
    return np.array(image.GetOrigin()) + ijk @ matrix.T


def box_values(values_zyx: np.ndarray, extent, whole) -> np.ndarray:
    """The points of ``extent`` of a (z, y, x) array over ``whole``, VTK order."""
    x0, y0, z0 = whole[0], whole[2], whole[4]
    return values_zyx[extent[4] - z0:extent[5] - z0 + 1, extent[2] - y0:extent[3] - y0 + 1,
                      extent[0] - x0:extent[1] - x0 + 1].ravel()


def cells_of(extent) -> set[tuple[int, int, int]]:
    """Cell indices (i, j, k) of a 3-D extent (an axis one point thick has cell 0)."""
    axes = [range(extent[2 * a], max(extent[2 * a + 1], extent[2 * a] + 1)) for a in range(3)]
    return {(i, j, k) for k in axes[2] for j in axes[1] for i in axes[0]}


def owned_cells(extent, cell_ghosts) -> set[tuple[int, int, int]]:
    """The cells of a piece not marked as ghosts (all of them without a ghost array)."""
    if len(cell_ghosts) == 0:
        return cells_of(extent)
    k, j, i = np.meshgrid(*[np.arange(extent[2 * a], max(extent[2 * a + 1], extent[2 * a] + 1))
                            for a in (2, 1, 0)], indexing="ij")
    mine = np.asarray(cell_ghosts).ravel() == 0
    return set(zip(i.ravel()[mine].tolist(), j.ravel()[mine].tolist(), k.ravel()[mine].tolist(), strict=False))


def grow(extent, levels, whole) -> list[int]:
    """The bounding box of ``extent`` grown by ``levels`` each side, clipped to ``whole``."""
    return [max(extent[i] - levels, whole[i]) if i % 2 == 0 else min(extent[i] + levels, whole[i]) for i in range(6)]


def bounding_extent(cells) -> list[int]:
    ijk = np.array(sorted(cells))
    return [int(v) for a in range(3) for v in (ijk[:, a].min(), ijk[:, a].max() + 1)]


def check_tiling(pieces, whole, levels):
    """``pieces``: (extent, cell ghosts) per rank. Owned cells are disjoint and cover the
    whole extent; each extent is its owned cells' box plus ``levels`` ghost layers."""
    owned = [owned_cells(extent, ghosts) for extent, ghosts in pieces]
    assert sum(len(cells) for cells in owned) == len(set().union(*owned)), "pieces overlap in cells"
    assert set().union(*owned) == cells_of(whole)
    for (extent, _ghosts), cells in zip(pieces, owned, strict=False):
        if not cells:
            continue
        box = bounding_extent(cells)
        assert list(extent) == grow(box, levels, whole), (extent, box, levels)
        assert len(cells) == len(cells_of(box)), "a piece's own cells form a box"
    return owned


def update_piece(reader: WorldImageReader, piece: int, pieces: int, levels: int):
    reader.UpdatePiece(piece, pieces, levels)
    assert reader.last_error is None, reader.last_error
    data = reader.GetOutputDataObject(0)
    ghosts = data.GetCellData().GetArray("vtkGhostType")
    return data, (np.zeros(0) if ghosts is None else vtk_to_numpy(ghosts))

"""Pieces for parallel runs: how VTK splits an image among MPI ranks.

Under ``mpiexec pvbatch`` or ``pvserver`` every rank asks the reader for piece ``p`` of
``n`` (``UPDATE_PIECE_NUMBER`` / ``UPDATE_NUMBER_OF_PIECES``), plus ``g`` layers of its
neighbours' cells when a filter asks for ghost levels. VTK's executive turns that into
an ``UPDATE_EXTENT`` before the reader runs: pieces split the cells, so neighbouring
pieces share one layer of points, and ghost levels widen the extent by ``g`` cells each
side (clipped to the whole extent). After the reader ran, the executive adds the
``vtkGhostType`` point and cell arrays that mark those extra layers.

How the cells are split is the reader's choice (:func:`split_mode`): slabs across the
slowest axis of the file, so that a rank reads one contiguous part of it. Not when ghost
levels are asked for: VTK 9.2 to 9.7 mark ghosts as if the split were VTK's default
(blocks along the longest axis), whatever split made the extent, which would mark cells
of the rank's own as ghosts (and OR those marks into any array the reader made).
"""

from __future__ import annotations

from vtkmodules.vtkCommonExecutionModel import vtkExtentTranslator, vtkStreamingDemandDrivenPipeline

_SDDP = vtkStreamingDemandDrivenPipeline

#: Slabs across image axis 0, 1 or 2 (x and y are the fastest axes in every format).
SLAB_MODES = (
    vtkExtentTranslator.X_SLAB_MODE,
    vtkExtentTranslator.Y_SLAB_MODE,
    vtkExtentTranslator.Z_SLAB_MODE,
)


def is_empty_extent(extent) -> bool:
    """Whether a VTK extent (x0, x1, y0, y1, z0, z1) holds no point."""
    return extent is None or any(extent[2 * a + 1] < extent[2 * a] for a in range(3))


def holds_nothing(info) -> bool:
    """Whether the request in ``info`` (output information in ``RequestData``) is for no
    cell: an empty extent, or, for one of several pieces, a face one point thick where
    the whole image has cells (VTK makes those when there are more pieces than cells)."""
    extent = info.Get(_SDDP.UPDATE_EXTENT())
    if is_empty_extent(extent):
        return True
    pieces_key = _SDDP.UPDATE_NUMBER_OF_PIECES()
    if not info.Has(pieces_key) or info.Get(pieces_key) <= 1 or not info.Has(_SDDP.WHOLE_EXTENT()):
        return False  # one slice of a volume, asked by extent, is a real request
    whole = info.Get(_SDDP.WHOLE_EXTENT())
    flat = [extent[2 * a] == extent[2 * a + 1] for a in range(3)]
    return any(flat[a] and whole[2 * a] < whole[2 * a + 1] for a in range(3))


def split_mode(info, slab: int = vtkExtentTranslator.Z_SLAB_MODE) -> int:
    """The split for the request in ``info`` (a source's output information during
    ``RequestUpdateExtent``): ``slab``, or VTK's blocks when ghost levels are asked for.
    With more pieces than slabs VTK splits the slabs further."""
    key = _SDDP.UPDATE_NUMBER_OF_GHOST_LEVELS()
    ghosts = info.Get(key) if info.Has(key) else 0
    return vtkExtentTranslator.BLOCK_MODE if ghosts else slab

"""Pieces for parallel runs (pieces.py), in plain VTK: what each MPI rank asks the reader for,
in every output mode, with and without ghost levels (under mpiexec: paraview/test_mpi.py)."""

from __future__ import annotations

import numpy as np
import pytest
from vtkmodules.util.numpy_support import vtk_to_numpy

import sitkvtk
from sitkvtk.sources.file import FileSource
from sitkvtk.world.reader import WorldImageReader
from synthetic import oblique_image, sitk_world
from tiling import MODES, bounding_extent, box_values, check_tiling, owned_cells, update_piece, world_of
from worldcheck import write_image


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("pieces", "levels"), [(2, 0), (3, 0), (3, 1), (5, 2)])
def test_pieces_tile_the_image_with_ghost_layers_in_every_mode(tmp_path, mode, pieces, levels):
    image = oblique_image(np.float32, size=(11, 9, 7))
    path = write_image(tmp_path, image, "oblique.mha")
    serial = WorldImageReader()
    serial.SetFileName(path)
    serial.SetOutputMode(mode)
    serial.Update()
    whole_data = serial.GetOutputDataObject(0)
    whole = whole_data.GetExtent()
    nx, ny, nz = (whole[1] - whole[0] + 1, whole[3] - whole[2] + 1, whole[5] - whole[4] + 1)
    whole_values = vtk_to_numpy(whole_data.GetPointData().GetScalars()).reshape(nz, ny, nx)
    found = []
    for piece in range(pieces):
        reader = WorldImageReader()
        reader.SetFileName(path)
        reader.SetOutputMode(mode)
        data, cell_ghosts = update_piece(reader, piece, pieces, levels)
        extent = data.GetExtent()
        found.append((extent, cell_ghosts))
        values = vtk_to_numpy(data.GetPointData().GetScalars())
        np.testing.assert_array_equal(values, box_values(whole_values, extent, whole))
        if mode == "StructuredGrid":
            points = vtk_to_numpy(data.GetPoints().GetData()).astype(float)
            np.testing.assert_allclose(points, world_of(image, extent), atol=1e-4)
            np.testing.assert_allclose(points[0], sitk_world(image, extent[0::2]), atol=1e-4)
        elif mode == "Image":
            corner = [0.0, 0.0, 0.0]
            data.TransformIndexToPhysicalPoint(extent[1], extent[3], extent[5], corner)
            np.testing.assert_allclose(corner, sitk_world(image, extent[1::2]), atol=1e-9)
        point_ghosts = data.GetPointData().GetArray("vtkGhostType")
        assert (point_ghosts is None) == (levels == 0)
        if levels:
            # A point is a ghost exactly when no cell of this piece's own touches it.
            ghost_points = vtk_to_numpy(point_ghosts).reshape(extent[5] - extent[4] + 1, extent[3] - extent[2] + 1, -1)
            owned = bounding_extent(owned_cells(extent, cell_ghosts))
            inside = np.zeros_like(ghost_points, dtype=bool)
            inside[owned[4] - extent[4]:owned[5] - extent[4] + 1, owned[2] - extent[2]:owned[3] - extent[2] + 1,
                   owned[0] - extent[0]:owned[1] - extent[0] + 1] = True
            np.testing.assert_array_equal(ghost_points != 0, ~inside)
    check_tiling(found, whole, levels)
    if levels == 0 and mode != "Resampled" and pieces < nz:
        # Without ghost levels, pieces are z slabs: one contiguous part of the file each.
        assert all(e[0:4] == whole[0:4] for e, _ in found)


def test_more_ranks_than_cells_leaves_the_extra_ranks_empty(tmp_path):
    path = write_image(tmp_path, oblique_image(np.float32, size=(2, 2, 2)), "tiny.nii")
    for mode in MODES:
        serial = WorldImageReader()
        serial.SetFileName(path)
        serial.SetOutputMode(mode)
        serial.Update()
        pieces = serial.GetOutputDataObject(0).GetNumberOfCells() + 2
        found = []
        for piece in range(pieces):
            reader = WorldImageReader()
            reader.SetFileName(path)
            reader.SetOutputMode(mode)
            data, ghosts = update_piece(reader, piece, pieces, 0)  # no error for an empty piece
            found.append((data.GetExtent(), ghosts))
        # No piece is a face without cells (VTK makes some when split too finely).
        empty = [e for e, _ in found if e[1] < e[0]]
        assert len(empty) >= 2, (mode, found)
        check_tiling([f for f in found if f[0][1] >= f[0][0]], serial.GetOutputDataObject(0).GetExtent(), 0)


def test_each_piece_reads_only_its_own_box_from_the_file(tmp_path, monkeypatch):
    path = write_image(tmp_path, oblique_image(np.float32, size=(10, 8, 12)), "oblique.mha")
    asked = []
    read_box = FileSource.read_box

    def spy(self, start, size, step=0, progress=None):
        asked.append((list(start), list(size)))
        return read_box(self, start, size, step, progress)

    monkeypatch.setattr(FileSource, "read_box", spy)
    for levels in (0, 1):
        for piece in range(3):
            reader = sitkvtk.SimpleITKReader()
            reader.SetFileName(path)
            asked.clear()
            reader.UpdatePiece(piece, 3, levels)
            e = reader.GetOutputDataObject(0).GetExtent()
            assert asked == [([e[0], e[2], e[4]], [e[1] - e[0] + 1, e[3] - e[2] + 1, e[5] - e[4] + 1])]
            assert reader.GetOutputDataObject(0).GetNumberOfPoints() < 10 * 8 * 12

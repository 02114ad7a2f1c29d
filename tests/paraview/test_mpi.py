"""Distributed reading: pieces, ghost levels and contours across MPI ranks.

First in plain VTK (every piece of every mode, as a rank would ask for it), then for
real under ``mpiexec -n N pvbatch`` with the plugin loaded on every rank
(tests/paraview/pv_mpi.py writes what each rank holds; this file checks it against a serial
read in the test's own Python).

Pieces split the cells: neighbouring pieces share one layer of points (both hold it,
neither marks it as a ghost), so "disjoint" below means disjoint in cells.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy

import sitkvtk
from pvtools import pv_env, tool
from sitkvtk import sources
from sitkvtk.world import WorldImageReader
from synthetic import distance_image, oblique_image, sitk_world
from test_paraview import _write

PV_MPI = Path(__file__).resolve().parent / "pv_mpi.py"
MODES = ("Image", "StructuredGrid", "Resampled")
VALUES_SIZE = (23, 19, 17)
SPHERE_SIZE = (30, 27, 25)
ISO = 12.5


# -- helpers --------------------------------------------------------------------------
def _world_of(image: sitk.Image, extent) -> np.ndarray:
    """World positions of the points of ``extent``, VTK order, from SimpleITK's geometry."""
    matrix = np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())
    k, j, i = np.meshgrid(*[np.arange(extent[2 * a], extent[2 * a + 1] + 1) for a in (2, 1, 0)], indexing="ij")
    ijk = np.stack([i.ravel(), j.ravel(), k.ravel()], axis=1)
    return np.array(image.GetOrigin()) + ijk @ matrix.T


def _box(values_zyx: np.ndarray, extent, whole) -> np.ndarray:
    """The points of ``extent`` of a (z, y, x) array over ``whole``, VTK order."""
    x0, y0, z0 = whole[0], whole[2], whole[4]
    return values_zyx[extent[4] - z0:extent[5] - z0 + 1, extent[2] - y0:extent[3] - y0 + 1,
                      extent[0] - x0:extent[1] - x0 + 1].ravel()


def _cells(extent) -> set[tuple[int, int, int]]:
    """Cell indices (i, j, k) of a 3-D extent (an axis one point thick has cell 0)."""
    axes = [range(extent[2 * a], max(extent[2 * a + 1], extent[2 * a] + 1)) for a in range(3)]
    return {(i, j, k) for k in axes[2] for j in axes[1] for i in axes[0]}


def _owned_cells(extent, cell_ghosts) -> set[tuple[int, int, int]]:
    """The cells of a piece not marked as ghosts (all of them without a ghost array)."""
    if len(cell_ghosts) == 0:
        return _cells(extent)
    k, j, i = np.meshgrid(*[np.arange(extent[2 * a], max(extent[2 * a + 1], extent[2 * a] + 1))
                            for a in (2, 1, 0)], indexing="ij")
    mine = np.asarray(cell_ghosts).ravel() == 0
    return set(zip(i.ravel()[mine].tolist(), j.ravel()[mine].tolist(), k.ravel()[mine].tolist()))


def _grow(extent, levels, whole) -> list[int]:
    """The bounding box of ``extent`` grown by ``levels`` each side, clipped to ``whole``."""
    return [max(extent[i] - levels, whole[i]) if i % 2 == 0 else min(extent[i] + levels, whole[i]) for i in range(6)]


def _bounding_extent(cells) -> list[int]:
    ijk = np.array(sorted(cells))
    return [int(v) for a in range(3) for v in (ijk[:, a].min(), ijk[:, a].max() + 1)]


def _check_tiling(pieces, whole, levels):
    """``pieces``: (extent, cell ghosts) per rank. Owned cells are disjoint and cover the
    whole extent; each extent is its owned cells' box plus ``levels`` ghost layers."""
    owned = [_owned_cells(extent, ghosts) for extent, ghosts in pieces]
    assert sum(len(cells) for cells in owned) == len(set().union(*owned)), "pieces overlap in cells"
    assert set().union(*owned) == _cells(whole)
    for (extent, _ghosts), cells in zip(pieces, owned):
        if not cells:
            continue
        box = _bounding_extent(cells)
        assert list(extent) == _grow(box, levels, whole), (extent, box, levels)
        assert len(cells) == len(_cells(box)), "a piece's own cells form a box"
    return owned


def _piece(reader: WorldImageReader, piece: int, pieces: int, levels: int):
    reader.UpdatePiece(piece, pieces, levels)
    assert reader.last_error is None, reader.last_error
    data = reader.GetOutputDataObject(0)
    ghosts = data.GetCellData().GetArray("vtkGhostType")
    return data, (np.zeros(0) if ghosts is None else vtk_to_numpy(ghosts))


# -- plain VTK: what each rank asks the reader for -----------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("pieces", "levels"), [(2, 0), (3, 0), (3, 1), (5, 2)])
def test_pieces_tile_the_image_with_ghost_layers_in_every_mode(tmp_path, mode, pieces, levels):
    image = oblique_image(np.float32, size=(11, 9, 7))
    path = _write(tmp_path, image, "oblique.mha")
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
        data, cell_ghosts = _piece(reader, piece, pieces, levels)
        extent = data.GetExtent()
        found.append((extent, cell_ghosts))
        np.testing.assert_array_equal(vtk_to_numpy(data.GetPointData().GetScalars()), _box(whole_values, extent, whole))
        if mode == "StructuredGrid":
            points = vtk_to_numpy(data.GetPoints().GetData()).astype(float)
            np.testing.assert_allclose(points, _world_of(image, extent), atol=1e-4)
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
            owned = _bounding_extent(_owned_cells(extent, cell_ghosts))
            inside = np.zeros_like(ghost_points, dtype=bool)
            inside[owned[4] - extent[4]:owned[5] - extent[4] + 1, owned[2] - extent[2]:owned[3] - extent[2] + 1,
                   owned[0] - extent[0]:owned[1] - extent[0] + 1] = True
            np.testing.assert_array_equal(ghost_points != 0, ~inside)
    _check_tiling(found, whole, levels)
    if levels == 0 and mode != "Resampled" and pieces < nz:
        # Without ghost levels, pieces are z slabs: one contiguous part of the file each.
        assert all(e[0:4] == whole[0:4] for e, _ in found)


def test_more_ranks_than_cells_leaves_the_extra_ranks_empty(tmp_path):
    path = _write(tmp_path, oblique_image(np.float32, size=(2, 2, 2)), "tiny.nii")
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
            data, ghosts = _piece(reader, piece, pieces, 0)  # no error for an empty piece
            found.append((data.GetExtent(), ghosts))
        # No piece is a face without cells (VTK makes some when split too finely).
        empty = [e for e, _ in found if e[1] < e[0]]
        assert len(empty) >= 2, (mode, found)
        _check_tiling([f for f in found if f[0][1] >= f[0][0]], serial.GetOutputDataObject(0).GetExtent(), 0)


def test_each_piece_reads_only_its_own_box_from_the_file(tmp_path, monkeypatch):
    path = _write(tmp_path, oblique_image(np.float32, size=(10, 8, 12)), "oblique.mha")
    asked = []
    read_box = sources.FileSource.read_box

    def spy(self, start, size, step=0, progress=None):
        asked.append((list(start), list(size)))
        return read_box(self, start, size, step, progress)

    monkeypatch.setattr(sources.FileSource, "read_box", spy)
    for levels in (0, 1):
        for piece in range(3):
            reader = sitkvtk.SimpleITKReader()
            reader.SetFileName(path)
            asked.clear()
            reader.UpdatePiece(piece, 3, levels)
            e = reader.GetOutputDataObject(0).GetExtent()
            assert asked == [([e[0], e[2], e[4]], [e[1] - e[0] + 1, e[3] - e[2] + 1, e[5] - e[4] + 1])]
            assert reader.GetOutputDataObject(0).GetNumberOfPoints() < 10 * 8 * 12


# -- for real: mpiexec -n N pvbatch ---------------------------------------------------------
def _load(folder: Path, kind: str, mode: str, ranks: int) -> list[dict]:
    found = []
    for rank in range(ranks):
        with np.load(folder / f"{kind}-{mode}-rank{rank}.npz") as stored:
            found.append({key: stored[key] for key in stored.files})
    return found


def _pv_mpi(tmp_path: Path, name: str, files, ghosts: int, ranks: int) -> Path:
    out = tmp_path / name
    out.mkdir()
    launcher = [] if ranks == 1 else [tool("mpiexec"), "--oversubscribe", "-n", str(ranks)]
    command = [*launcher, tool("pvbatch"), str(PV_MPI), str(out), *map(str, files), str(ISO), str(ghosts)]
    result = subprocess.run(command, env=pv_env(), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "pv_mpi done" in result.stdout, result.stdout + result.stderr
    assert json.loads((out / "ranks.json").read_text()) == {"ranks": ranks}
    return out


def _surface(parts: list[dict]) -> dict:
    """Triangles not marked as ghosts, over all ranks: count, area, distinct points."""
    triangles, points = 0, []
    area = 0.0
    for part in parts:
        offsets, connectivity = part["offsets"], part["connectivity"]
        assert np.all(np.diff(offsets) == 3), "the contour is triangles"
        cells = connectivity.reshape(-1, 3)
        if len(part["cell_ghosts"]):
            cells = cells[part["cell_ghosts"] == 0]
        corners = part["points"][cells]
        edges = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
        area += 0.5 * np.linalg.norm(edges, axis=1).sum()
        triangles += len(cells)
        points.append(part["points"][np.unique(cells)])
    distinct = np.unique(np.round(np.concatenate(points), 4), axis=0)
    return {"triangles": triangles, "area": area, "points": len(distinct),
            "stored_points": sum(len(p["points"]) for p in parts)}


@pytest.fixture(scope="module")
def volumes(tmp_path_factory):
    """The two generated files, and what serial pvbatch (one rank) makes of them."""
    folder = tmp_path_factory.mktemp("mpi")
    values = _write(folder, oblique_image(np.float32, size=VALUES_SIZE), "values.nii")
    ball = _write(folder, distance_image(SPHERE_SIZE), "ball.mha")
    serial = _pv_mpi(folder, "serial", [values, ball], 0, 1)
    return values, ball, serial


@pytest.mark.paraview
@pytest.mark.mpi
@pytest.mark.parametrize(("ranks", "ghosts"), [(2, 0), (3, 1)])
def test_mpi_ranks_read_their_own_pieces_and_contour_seamlessly(tmp_path, volumes, ranks, ghosts):
    values_path, ball_path, serial = volumes
    out = _pv_mpi(tmp_path, f"n{ranks}", [values_path, ball_path], ghosts, ranks)
    image = sitk.ReadImage(values_path)
    whole = [0, VALUES_SIZE[0] - 1, 0, VALUES_SIZE[1] - 1, 0, VALUES_SIZE[2] - 1]
    expected = vtk_to_numpy(sitkvtk.read(values_path).GetPointData().GetScalars()).reshape(VALUES_SIZE[::-1])
    for mode in MODES:
        pieces = _load(out, "piece", mode, ranks)
        extents = [list(piece["extent"]) for piece in pieces]
        assert len({tuple(e) for e in extents}) == ranks, f"{mode}: each rank holds its own extent {extents}"
        if mode == "Resampled":
            reference = WorldImageReader()
            reference.SetFileName(values_path)
            reference.SetOutputMode("Resampled")
            reference.Update()
            grid = reference.GetOutputDataObject(0)
            mode_whole = list(grid.GetExtent())
            dims = [mode_whole[2 * a + 1] + 1 for a in range(3)]
            mode_values = vtk_to_numpy(grid.GetPointData().GetScalars()).reshape(dims[::-1])
        else:
            mode_whole, mode_values = whole, expected
        owned = _check_tiling([(e, piece["cell_ghosts"]) for e, piece in zip(extents, pieces)], mode_whole, ghosts)
        assert all(owned), f"{mode}: a rank without data"
        for extent, piece in zip(extents, pieces):
            np.testing.assert_allclose(piece["values"], _box(mode_values, extent, mode_whole), rtol=1e-5, atol=1e-3)
            if mode == "StructuredGrid":
                np.testing.assert_allclose(piece["points"], _world_of(image, extent), atol=1e-4)
            elif mode == "Image":
                np.testing.assert_allclose(piece["origin"], image.GetOrigin(), atol=1e-9)
                np.testing.assert_allclose(piece["spacing"], image.GetSpacing(), atol=1e-9)
                np.testing.assert_allclose(piece["direction"], image.GetDirection(), atol=1e-9)
        if ghosts == 0 and mode != "Resampled":
            assert all(e[0:4] == whole[0:4] for e in extents), f"{mode}: z slabs {extents}"
            # Neighbouring slabs share their boundary plane of points.
            assert sorted(e[4] for e in extents)[1:] == sorted(e[5] for e in extents)[:-1]
        # The contour of the distributed data is the serial contour, seam for seam.
        got = _surface(_load(out, "contour", mode, ranks))
        want = _surface(_load(serial, "contour", mode, 1))
        assert want["points"] == want["stored_points"] > 500
        assert got["triangles"] == want["triangles"], (mode, got, want)
        assert got["points"] == want["points"], (mode, got, want)
        assert got["area"] == pytest.approx(want["area"], rel=1e-6), (mode, got, want)
        # Each rank merged its own points; the plane two ranks share is held twice.
        assert got["stored_points"] > want["points"]
        # Data moved between ranks arrives whole (a field array named MetaData once broke this).
        moved = json.loads((out / f"moved-{mode}.json").read_text())
        assert moved["area"] == pytest.approx(want["area"], rel=1e-5), (mode, moved, want)
        assert moved["cells"] >= want["triangles"], (mode, moved, want)
        assert moved["field_arrays"] > 5, (mode, moved)

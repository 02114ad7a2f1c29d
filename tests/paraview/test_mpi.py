"""Distributed reading: pieces, ghost levels and contours across MPI ranks, for real under
``mpiexec -n N pvbatch`` with the plugin loaded on every rank (tests/paraview/pv_mpi.py
writes what each rank holds; this file checks it against a serial read in the test's own
Python). The same pieces in plain VTK, as a rank asks for them: tests/test_pieces.py.

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
from sitkvtk.world.reader import WorldImageReader
from synthetic import distance_image, oblique_image
from tiling import MODES, box_values, check_tiling, world_of
from worldcheck import write_image

PV_MPI = Path(__file__).resolve().parent / "pv_mpi.py"
VALUES_SIZE = (23, 19, 17)
SPHERE_SIZE = (30, 27, 25)
ISO = 12.5


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
def volumes(tmp_path_factory, paraview):
    """The two generated files, and what serial pvbatch (one rank) makes of them."""
    folder = tmp_path_factory.mktemp("mpi")
    values = write_image(folder, oblique_image(np.float32, size=VALUES_SIZE), "values.nii")
    ball = write_image(folder, distance_image(SPHERE_SIZE), "ball.mha")
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
        tiles = [(e, piece["cell_ghosts"]) for e, piece in zip(extents, pieces, strict=False)]
        owned = check_tiling(tiles, mode_whole, ghosts)
        assert all(owned), f"{mode}: a rank without data"
        for extent, piece in zip(extents, pieces, strict=False):
            np.testing.assert_allclose(piece["values"], box_values(mode_values, extent, mode_whole),
                                       rtol=1e-5, atol=1e-3)
            if mode == "StructuredGrid":
                np.testing.assert_allclose(piece["points"], world_of(image, extent), atol=1e-4)
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

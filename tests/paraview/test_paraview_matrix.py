"""Where each ParaView puts an oblique image: one test per filter and representation that a user
reaches first, each run against every ParaView found (5.11 and 5.13 in CI).

The SimpleITK Reader's default output mode (Auto) must be right in every cell. The Image (direction
matrix) mode is measured beside it and not asserted: its column is printed in the terminal summary,
so that a ParaView that starts to honour the direction shows where Auto could use the image as it
is. One pvbatch run per ParaView (tests/paraview/pv_matrix.py) makes every cell; each test judges
one against SimpleITK's geometry, computed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D
from vtkmodules.vtkIOImage import vtkPNGReader

import sitkvtk
from pvtools import current, run, tool, xvfb
from synthetic import oblique_image
from worldcheck import write_image

HERE = Path(__file__).resolve().parent
SIZE = (12, 10, 8)
NORMAL = np.array([1.0, 0.3, 0.2]) / np.linalg.norm([1.0, 0.3, 0.2])
PIXELS = 400
TOLERANCE_MM = 1e-3  # points: where VTK computes the same thing in double precision
TOLERANCE_PIXELS = 5  # pictures: a voxel is more than 10 pixels across here


class Matrix:
    """What each ParaView did in each cell, for the terminal summary."""

    def __init__(self):
        self.cells: dict[tuple[str, str, str], str] = {}

    def __bool__(self):
        return bool(self.cells)

    def record(self, cell: str, mode: str, verdict: str):
        self.cells[(current().version, cell, mode)] = verdict

    def table(self) -> list[str]:
        versions = sorted({v for v, _, _ in self.cells})
        cells = list(dict.fromkeys(c for _, c, _ in self.cells))
        columns = [(v, m) for v in versions for m in ("Auto", "Image")]
        lines = [f"{'':22}" + "".join(f"{v + ' ' + m:>28}" for v, m in columns)]
        for cell in cells:
            row = [self.cells.get((v, cell, m), "-")[:27] for v, m in columns]
            lines.append(f"{cell:22}" + "".join(f"{text:>28}" for text in row))
        return lines


MEASURED = Matrix()


# -- geometry from SimpleITK -----------------------------------------------------------------
def _matrix(image: sitk.Image) -> np.ndarray:
    return np.reshape(image.GetDirection(), (3, 3)) @ np.diag(image.GetSpacing())


def _world(image: sitk.Image, ijk) -> np.ndarray:
    return np.array(image.GetOrigin()) + np.asarray(ijk, dtype=float) @ _matrix(image).T


def _index(image: sitk.Image, points) -> np.ndarray:
    return (np.asarray(points) - np.array(image.GetOrigin())) @ np.linalg.inv(_matrix(image)).T


def _centre(image: sitk.Image) -> np.ndarray:
    return _world(image, (np.array(SIZE) - 1) / 2)


def _corners(image: sitk.Image, k_range=None) -> np.ndarray:
    ks = k_range if k_range is not None else (0, SIZE[2] - 1)
    return _world(image, [(i, j, k) for i in (0, SIZE[0] - 1) for j in (0, SIZE[1] - 1) for k in ks])


def _scale(image: sitk.Image) -> float:
    corners = _corners(image)
    centre = _centre(image)
    return 1.15 * np.abs(corners[:, :2] - centre[:2]).max()


def _plane_cuts_box(image: sitk.Image, centre) -> np.ndarray:
    """Where the plane through ``centre`` with normal NORMAL crosses the 12 edges of the image's box."""
    last = np.array(SIZE) - 1
    crossings = []
    for axis in range(3):
        for a in (0, 1):
            for b in (0, 1):
                start = np.zeros(3)
                others = [x for x in range(3) if x != axis]
                start[others[0]], start[others[1]] = a * last[others[0]], b * last[others[1]]
                end = start.copy()
                end[axis] = last[axis]
                p, q = (_world(image, [start, end]) - centre) @ NORMAL
                if p * q < 0:
                    crossings.append(_world(image, start + (end - start) * p / (p - q)))
    return np.array(crossings)


def _support(points, directions) -> np.ndarray:
    """How far the points reach in each direction."""
    return np.array([(np.asarray(points) @ u).max() for u in directions])


def _nearest(a, b) -> np.ndarray:
    """For each point of a, the distance to the nearest point of b."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)).min(axis=1)


# -- the one pvbatch run per ParaView ---------------------------------------------------------
@pytest.fixture(scope="module")
def measured(tmp_path_factory, paraview):
    folder = tmp_path_factory.mktemp("matrix")
    image = oblique_image(np.float32, size=SIZE)
    mha = write_image(folder, image, "oblique.mha")
    nrrd = write_image(folder, image, "oblique.nrrd")
    centre = _centre(image)
    value = float(np.prod(SIZE)) / 2 + 0.1  # index-encoded voxels: a plane across the middle
    numbers = [value, *centre, *NORMAL, _scale(image)]
    command = xvfb(tool("pvbatch"), str(HERE / "pv_matrix.py"), str(folder), mha, nrrd, *map(str, numbers))
    result = run(command, cwd=folder, timeout=400)
    assert "pv_matrix done" in result.stdout, result.stdout + result.stderr
    return json.loads((folder / "seen.json").read_text()), image, value, mha


def _judge(cell: str, seen: dict, judge, mode: str = "Auto") -> str:
    """Judge ``cell`` in both modes; record both; return ``mode``'s verdict."""
    verdicts = {}
    for each in ("Auto", "Image"):
        result = seen["modes"][each]
        verdicts[each] = judge(result)
        MEASURED.record(cell, each, verdicts[each])
    return verdicts[mode]


def _assert_right(verdict: str):
    assert verdict.startswith(("right", "not offered")), verdict


# -- filters -------------------------------------------------------------------------------------
@pytest.mark.paraview
def test_contour_with_its_default_settings_lies_where_the_image_is(measured):
    seen, image, value, mha = measured
    reference = vtkFlyingEdges3D()  # honours the direction matrix
    reference.SetInputData(sitkvtk.read(mha))
    reference.SetValue(0, value)
    reference.Update()
    expected = vtk_to_numpy(reference.GetOutput().GetPoints().GetData()).astype(float)

    def judge(result):
        got = result["contour"]
        if len(got) < 10:
            return f"wrong: {len(got)} points"
        far = max(_nearest(got, expected).max(), _nearest(expected, got).max())
        return "right" if far < TOLERANCE_MM else f"wrong: {far:.2f} mm off"

    _assert_right(_judge("Contour (default)", seen, judge))


@pytest.mark.paraview
def test_clip_by_a_plane_keeps_the_voxels_on_one_side(measured):
    seen, image, _, _ = measured
    centre = _centre(image)
    ijk = np.stack(np.meshgrid(*[np.arange(n) for n in SIZE], indexing="ij"), -1).reshape(-1, 3)
    voxels = _world(image, ijk)
    side = (voxels - centre) @ NORMAL

    def judge(result):
        got = np.asarray(result["clip"])
        if len(got) < 10:
            return f"wrong: {len(got)} points"
        index = _index(image, got)
        outside = np.abs(np.clip(index, 0, np.array(SIZE) - 1) - index).max()
        if outside > 1e-3:
            return f"wrong: {outside:.1f} voxels outside the image"
        signs = (got - centre) @ NORMAL
        kept = 1.0 if np.median(signs) > 0 else -1.0
        if (signs * kept).min() < -TOLERANCE_MM:
            return "wrong: points on both sides"
        wanted = voxels[side * kept > TOLERANCE_MM]
        missing = _nearest(wanted, got).max()
        return "right" if missing < TOLERANCE_MM else f"wrong: voxel {missing:.2f} mm from any point"

    _assert_right(_judge("Clip (plane)", seen, judge))


@pytest.mark.paraview
def test_slice_filter_cuts_the_image_where_it_is(measured):
    seen, image, _, _ = measured
    centre = _centre(image)
    polygon = _plane_cuts_box(image, centre)
    e1 = np.cross(NORMAL, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(NORMAL, e1)
    in_plane = [np.cos(a) * e1 + np.sin(a) * e2 for a in np.linspace(0, 2 * np.pi, 16, endpoint=False)]

    def judge(result):
        got = np.asarray(result["slice_filter"])
        if len(got) < 10:
            return f"wrong: {len(got)} points"
        off_plane = np.abs((got - centre) @ NORMAL).max()
        index = _index(image, got)
        outside = np.abs(np.clip(index, 0, np.array(SIZE) - 1) - index).max()
        if off_plane > TOLERANCE_MM or outside > 1e-3:
            return f"wrong: {off_plane:.2f} mm off the plane, {outside:.1f} voxels outside"
        # And all of it: it reaches the polygon where the plane cuts the image's box, in every direction.
        reach = _support(got, in_plane) - _support(polygon, in_plane)
        return "right" if np.abs(reach).max() < TOLERANCE_MM else f"wrong: {np.abs(reach).max():.2f} mm short"

    _assert_right(_judge("Slice filter", seen, judge))


# -- representations: pictures along world -z ---------------------------------------------------
def _png(path) -> np.ndarray:
    reader = vtkPNGReader()
    reader.SetFileName(str(path))
    reader.Update()
    data = reader.GetOutput()
    nx, ny, _ = data.GetDimensions()
    return vtk_to_numpy(data.GetPointData().GetScalars()).reshape(ny, nx, -1)  # row 0 at the bottom


def _silhouette_verdict(png, expected_world, image) -> str:
    """Compare the drawn pixels' extent, in 12 directions across the screen, with that of the
    world points that must be drawn (their convex hull seen along -z)."""
    pixels = _png(png)
    rows, cols = np.nonzero(pixels[..., :3].max(axis=2) > 20)
    if len(rows) < 50:
        return "wrong: nothing drawn"
    centre, scale = _centre(image), _scale(image)
    per_mm = (PIXELS / 2) / scale
    drawn = np.stack([cols + 0.5 - PIXELS / 2, rows + 0.5 - PIXELS / 2], axis=1)
    wanted = (np.asarray(expected_world)[:, :2] - centre[:2]) * per_mm
    worst = 0.0
    for angle in np.linspace(0, np.pi, 12, endpoint=False):
        u = np.array([np.cos(angle), np.sin(angle)])
        for sign in (1, -1):
            worst = max(worst, abs((sign * drawn @ u).max() - (sign * wanted @ u).max()))
    return "right" if worst <= TOLERANCE_PIXELS else f"wrong: {worst / per_mm:.1f} mm off"


def _representation(cell: str, key: str, measured, mode: str = "Auto"):
    seen, image, _, _ = measured

    def judge(result):
        entry = result[key]
        if entry is None:
            return f"not offered for {result['type'][3:]}"
        k_range = None
        if entry["representation"] == "Slice":
            assert entry["slice_mode"] in (5, "XY Plane"), entry  # 5: vtkPVImageSliceMapper::XY_PLANE
            k_range = (entry["slice"], entry["slice"])
        expected = _corners(image, k_range)  # an outline's lines reach as far as the box does
        return _silhouette_verdict(entry["png"], expected, image)

    _assert_right(_judge(cell, seen, judge, mode))


@pytest.mark.paraview
@pytest.mark.parametrize("mode", ["Auto", "Image"])
def test_representation_shown_on_open_draws_the_image_where_it_is(measured, mode):
    # The reader's Slice hint: an image opens as a slice, drawn where it lies, in Image mode
    # too (ParaView's default Outline ignores the direction); a structured grid as its outline.
    seen = measured[0]
    for each in ("Auto", "Image"):
        MEASURED.record("shown on open", each, seen["modes"][each]["opened_as"])
    assert seen["modes"]["Image"]["opened_as"] == "Slice"
    _representation("  drawn there", "shown_on_open", measured, mode)


@pytest.mark.paraview
def test_outline_representation_is_the_oblique_box(measured):
    _representation("Outline representation", "Outline", measured)


@pytest.mark.paraview
def test_surface_representation_draws_the_image_where_it_is(measured):
    _representation("Surface representation", "Surface", measured)


@pytest.mark.paraview
def test_slice_representation_draws_its_slice_where_it_is(measured):
    _representation("Slice representation", "Slice", measured)


@pytest.mark.paraview
def test_volume_representation_draws_the_image_where_it_is(measured):
    _representation("Volume representation", "Volume", measured)


# -- OpenDataFile ----------------------------------------------------------------------------------
@pytest.mark.paraview
@pytest.mark.parametrize("extension", [".mha", ".nrrd"])
def test_open_data_file_picks_a_reader_and_says_which(measured, extension):
    """ParaView picks the first reader by proxy name that can read a file (vtkSMReaderFactory keeps
    them in a map keyed by name, 5.11 to 5.13) and a plugin cannot put its reader first: for .mha
    and .nrrd that is ParaView's own (MetaImageReader, NRRDReader), which drops the direction. This
    records what it gives; the README tells users to pick the SimpleITK Reader (File > Open asks)."""
    seen, image, _, _ = measured
    opened = seen[extension]
    expected = np.array(sitkvtk.read(measured[3]).GetBounds())
    right = np.allclose(opened["bounds"], expected, atol=1e-3)
    verdict = f"{'right' if right else 'wrong'}: {opened['xml_name']}"
    MEASURED.cells[(current().version, f"OpenDataFile {extension}", "Auto")] = verdict
    MEASURED.cells[(current().version, f"OpenDataFile {extension}", "Image")] = verdict
    if opened["xml_name"] == "SimpleITKReader":
        assert right, verdict

"""``sitkvtk render``: orientation letters from the direction, a scale in mm, window/level, and
a picture that differs exactly where the letters are drawn."""

from __future__ import annotations

import math

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkIOImage import vtkPNGReader

from dicomgen import slice_positions, write_series
from sitkvtk.render import _VIEWPORTS, LABEL_ANCHORS, render_slices
from sitkvtk.viewing import edge_labels, letters, scale_length, window_level
from synthetic import oblique_image, rotation_3d

IDENTITY = np.eye(3)
# i along +y (posterior), j along -x (right), k along +z: a quarter turn about z.
QUARTER_TURN = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
# Letters a viewer shows for an axial LPS image (patient's right on the screen's left).
AXIAL = {
    "k": {"right": "L", "left": "R", "top": "A", "bottom": "P"},
    "j": {"right": "L", "left": "R", "top": "S", "bottom": "I"},
    "i": {"right": "P", "left": "A", "top": "S", "bottom": "I"},
}
TURNED = {
    "k": {"right": "P", "left": "A", "top": "L", "bottom": "R"},
    "j": {"right": "P", "left": "A", "top": "S", "bottom": "I"},
    "i": {"right": "R", "left": "L", "top": "S", "bottom": "I"},
}


@pytest.mark.parametrize(("direction", "expected"), [(IDENTITY, AXIAL), (QUARTER_TURN, TURNED)],
                         ids=["axial", "quarter-turn"])
def test_edge_letters_come_from_the_direction(direction, expected):
    for view, edges in expected.items():
        assert edge_labels(direction, view) == edges
        # RAS numbers of the same image (x and y negated) name the same anatomy
        assert edge_labels(np.diag([-1.0, -1.0, 1.0]) @ direction, view, "RAS") == edges


def test_an_oblique_axis_gets_two_letters_largest_first():
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert letters([c, s, 0.0]) == "LP" and letters([-s, c, 0.0]) == "PR" and letters([0.1, 0.0, -1.0]) == "I"


def test_scale_lengths_are_round():
    assert [scale_length(mm) for mm in (284.0, 1000.0, 9.0, 0.7)] == [50.0, 200.0, 2.0, 0.1]


def test_window_level_from_values_and_from_dicom():
    values = np.arange(1000, dtype=np.int16)
    window, level, source = window_level({}, values)
    assert source == "values" and window == pytest.approx(994.005 - 4.995) and level == pytest.approx(499.5)
    assert window_level({"DICOM_WindowCenter": "40\\-600", "DICOM_WindowWidth": "400\\1500"}, values) == (
        400.0, 40.0, "DICOM")
    assert window_level({"0028|1050": "50", "0028|1051": "350"}, values) == (350.0, 50.0, "DICOM")


def _pixels(path) -> np.ndarray:
    reader = vtkPNGReader()
    reader.SetFileName(str(path))
    reader.Update()
    w, h, _ = reader.GetOutput().GetDimensions()
    return vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars()).reshape(h, w, -1)[..., :3].astype(int)


def _image_file(tmp_path, direction) -> str:
    image = oblique_image(np.int16, size=(24, 20, 16))
    image.SetDirection(np.ravel(direction).tolist())
    path = str(tmp_path / "image.nii.gz")
    sitk.WriteImage(image, path)
    return path


@pytest.mark.parametrize(("direction", "expected"), [(IDENTITY, AXIAL), (QUARTER_TURN, TURNED)],
                         ids=["axial", "quarter-turn"])
def test_the_labels_drawn_are_those_of_the_file_s_direction(tmp_path, direction, expected):
    drawn = render_slices(_image_file(tmp_path, direction), tmp_path / "a.png", (360, 280))
    assert drawn["labels"] == expected


def test_the_picture_differs_exactly_where_the_letters_are_drawn(tmp_path):
    size = (600, 480)
    path = _image_file(tmp_path, rotation_3d())
    render_slices(path, tmp_path / "with.png", size)
    render_slices(path, tmp_path / "without.png", size, labels=False)
    changed = np.any(_pixels(tmp_path / "with.png") != _pixels(tmp_path / "without.png"), axis=2)
    near_a_label = np.zeros_like(changed)
    for view in ("k", "j", "i"):
        x0, y0, x1, y1 = _VIEWPORTS[view]
        for ax, ay, _, _ in LABEL_ANCHORS.values():
            # rows are bottom-up, as in VTK's viewports
            px, py = round((x0 + ax * (x1 - x0)) * size[0]), round((y0 + ay * (y1 - y0)) * size[1])
            box = (slice(max(py - 25, 0), py + 25), slice(max(px - 45, 0), px + 45))
            assert changed[box].sum() > 20, (view, ax, ay)  # this label is drawn
            near_a_label[box] = True
    assert not (changed & ~near_a_label).any()  # and nothing else changed


def test_a_dicom_series_is_shown_with_its_own_window(tmp_path):
    volume = np.arange(12 * 16 * 16, dtype=np.int16).reshape(12, 16, 16)
    write_series(tmp_path / "ct", volume, spacing_xy=(0.8, 0.9), direction=IDENTITY,
                 positions=slice_positions((10, -20, 30), IDENTITY, 2.5, 12))  # WindowCenter 40, Width 400
    drawn = render_slices(str(tmp_path / "ct"), tmp_path / "ct.png", (360, 280))
    assert (drawn["window"], drawn["level"], drawn["window_from"]) == (400.0, 40.0, "DICOM")
    assert drawn["labels"] == AXIAL


def test_a_2d_image_is_its_3d_view_and_its_one_slice_side_by_side(tmp_path):
    image = oblique_image(np.uint8, dim=2, size=(40, 30))
    path = str(tmp_path / "slice.nrrd")
    sitk.WriteImage(image, path)
    drawn = render_slices(path, tmp_path / "two.png", (400, 300))
    assert list(drawn["labels"]) == ["k"]
    pixels = _pixels(tmp_path / "two.png")
    grey = (np.ptp(pixels, axis=2) == 0) & (pixels[..., 0] > 40)  # image pixels, not background or unpainted
    assert grey[:150, 200:].sum() > 2000 and grey[150:, 200:].sum() > 2000  # the slice fills the right half


def test_no_display_and_no_egl_is_an_error_not_an_abort(tmp_path, monkeypatch):
    """VTK's wheels before 9.4 have no EGL: an X window with no X server would abort the process."""
    import types

    from sitkvtk import render

    path = str(tmp_path / "image.mha")
    sitk.WriteImage(oblique_image("int16", 3), path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(render, "_opengl", types.SimpleNamespace())  # a VTK without EGL or OSMesa
    with pytest.raises(OSError, match="no display to render on: this VTK .* renders through X only"):
        render_slices(path, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()

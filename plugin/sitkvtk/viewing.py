"""What a medical viewer writes on a view of an image, computed here and drawn by ``render``:
the orientation letters at each edge (from the direction), a round scale length, and the
window/level (DICOM's WindowCenter/WindowWidth when the file has them).

No VTK and no files: numbers in, numbers and letters out.
"""

from __future__ import annotations

import numpy as np

#: Per world axis, the letter of its positive and of its negative end, in each coordinate system.
#: The letters are anatomy, so an image reads the same in either; only the numbers change sign.
AXIS_LETTERS = {"LPS": (("L", "R"), ("P", "A"), ("S", "I")), "RAS": (("R", "L"), ("A", "P"), ("S", "I"))}

#: The three views of ``render``: the slice across one index axis, shown with a second index
#: axis to the right and a third up (row 0 at the top of the k view, as viewers show slices).
VIEWS = {
    "k": ((0, 1), (1, -1)),  # across k: i to the right, j down
    "j": ((0, 1), (2, 1)),  # across j: i to the right, k up
    "i": ((1, 1), (2, 1)),  # across i: j to the right, k up
}


def letters(vector, coordinate_system: str = "LPS", share: float = 0.3) -> str:
    """The anatomical direction of a world ``vector``: the letter of each world axis that
    carries at least ``share`` of it, largest first ("L"; "LP" when oblique)."""
    v = np.asarray(vector, dtype=float)
    v = v / np.linalg.norm(v)
    names = AXIS_LETTERS[coordinate_system]
    return "".join(names[a][0 if v[a] > 0 else 1] for a in np.argsort(-np.abs(v), kind="stable")
                   if abs(v[a]) >= share)


def view_vectors(direction, view: str) -> tuple[np.ndarray, np.ndarray]:
    """(right, up) world unit vectors of ``view``; ``direction`` is the 3x3 whose columns are
    the image's i, j, k axes in world space."""
    d = np.asarray(direction, dtype=float).reshape(3, 3)
    (right_axis, right_sign), (up_axis, up_sign) = VIEWS[view]
    return right_sign * d[:, right_axis], up_sign * d[:, up_axis]


def edge_labels(direction, view: str, coordinate_system: str = "LPS") -> dict[str, str]:
    """The letters at the right, left, top and bottom edges of ``view``."""
    right, up = view_vectors(direction, view)
    return {
        "right": letters(right, coordinate_system),
        "left": letters(-right, coordinate_system),
        "top": letters(up, coordinate_system),
        "bottom": letters(-up, coordinate_system),
    }


def scale_length(span_mm: float) -> float:
    """A 1-2-5 length (mm) about a quarter of ``span_mm``: the viewer's scale bar."""
    target = max(span_mm / 4, 1e-9)
    power = 10.0 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1, 2, 5) if m * power <= target))


def _first_number(text: str | None) -> float | None:
    try:
        return float(str(text).split("\\")[0])  # multi-valued: the first window
    except (TypeError, ValueError):
        return None


def window_level(metadata: dict[str, str], values: np.ndarray) -> tuple[float, float, str]:
    """(window, level, where from): the file's DICOM window when it has one, else the range
    of the middle 99% of ``values`` (a few hot voxels do not wash the picture out)."""
    for center_key, width_key in (("DICOM_WindowCenter", "DICOM_WindowWidth"), ("0028|1050", "0028|1051")):
        center, width = _first_number(metadata.get(center_key)), _first_number(metadata.get(width_key))
        if center is not None and width is not None and width > 0:
            return width, center, "DICOM"
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size == 0:
        return 1.0, 0.0, "values"
    low, high = (float(v) for v in np.percentile(finite, (0.5, 99.5)))
    if high <= low:
        low, high = float(finite.min()), float(finite.max())
    return max(high - low, 1e-12), (high + low) / 2, "values"

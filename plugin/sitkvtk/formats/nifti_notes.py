"""NIfTI header fields SimpleITK reads but does not apply, or applies silently, as
metadata notes: scaling, zero pixdims, intent, units, and a qform and sform that disagree."""

from __future__ import annotations

import math

import numpy as np

from ..geometry import size_corners
from .nifti_header import DATATYPE_BYTES, DATATYPE_NAMES, NiftiHeader

_INTENTS = {
    2: "correlation",
    3: "t test",
    4: "F test",
    5: "z score",
    6: "chi-squared",
    7: "beta",
    8: "binomial",
    9: "gamma",
    10: "Poisson",
    11: "normal",
    12: "noncentral F",
    13: "noncentral chi-squared",
    14: "logistic",
    15: "Laplace",
    16: "uniform",
    17: "noncentral t",
    18: "Weibull",
    19: "chi",
    20: "inverse Gaussian",
    21: "extreme value",
    22: "p-value",
    23: "log p-value",
    24: "log10 p-value",
    1001: "estimate",
    1002: "label",
    1003: "NeuroNames label",
    1004: "general matrix",
    1005: "symmetric matrix",
    1006: "displacement vector",
    1007: "vector",
    1008: "point set",
    1009: "triangle",
    1010: "quaternion",
    1011: "dimensionless",
    2001: "time series",
    2002: "node index",
    2003: "RGB vector",
    2004: "RGBA vector",
    2005: "shape",
}
_SPACE_UNITS = {
    1: ("meter", "converted to mm by SimpleITK"),
    2: ("mm", ""),
    3: ("micron", "converted to mm by SimpleITK"),
}
_TIME_UNITS = {
    8: ("s", ""),
    16: ("ms", "converted to s by SimpleITK"),
    24: ("us", "converted to s by SimpleITK"),
    32: ("Hz", ""),
    40: ("ppm", ""),
    48: ("rad/s", ""),
}
_XFORM_NAMES = {1: "scanner", 2: "aligned", 3: "talairach", 4: "mni152", 5: "template"}


def notes(nifti: NiftiHeader, header) -> dict[str, str]:
    """Metadata entries for what ``nifti`` says and SimpleITK did not apply or show."""
    notes = {}
    stored = DATATYPE_BYTES.get(nifti.datatype)
    if nifti.scaled and stored is not None:
        notes["NIFTI_scaling"] = (
            f"value = {nifti.scl_slope:g} * stored + {nifti.scl_inter:g}, applied by SimpleITK: "
            f"the file stores {DATATYPE_NAMES[nifti.datatype]}, "
            f"the image is {header.pixel_type}"
        )
    zeros = [i for i in range(1, min(max(nifti.ndim, 0), 4) + 1) if nifti.pixdim[i] == 0.0]
    if zeros:
        names = ", ".join(f"pixdim[{i}]" for i in zeros)
        notes["NIFTI_pixdim"] = f"{names} 0 in the file: SimpleITK uses a spacing of 1"
    if nifti.intent_code:
        name = _INTENTS.get(nifti.intent_code, "unknown")
        parameters = " ".join(f"{p:g}" for p in nifti.intent)
        notes["NIFTI_intent"] = (
            f"{name} (code {nifti.intent_code}), parameters {parameters}"
            + (f", name {nifti.intent_name!r}" if nifti.intent_name else "")
            + ": not applied by SimpleITK"
        )
    units = []
    space = _SPACE_UNITS.get(nifti.xyzt_units & 0x07)
    time = _TIME_UNITS.get(nifti.xyzt_units & 0x38)
    for kind, unit in (("space", space), ("time", time)):
        if unit is not None:
            units.append(f"{kind} {unit[0]}" + (f" ({unit[1]})" if unit[1] else ""))
    if units:
        notes["NIFTI_units"] = ", ".join(units)
    if nifti.is_nifti:
        notes["qfac"] = "-1" if nifti.pixdim[0] < 0 else "1"
        notes.update(_xform_notes(nifti, header))
    return notes


def _xform_notes(nifti: NiftiHeader, header) -> dict[str, str]:
    if nifti.qform_code <= 0 or nifti.sform_code <= 0:
        return {}
    qform, sform = _qform_affine(nifti), np.reshape(nifti.srow, (3, 4))
    if not (np.all(np.isfinite(qform)) and np.all(np.isfinite(sform))):
        return {}
    extent = [max(nifti.dim[i], 1) if i <= nifti.ndim else 1 for i in (1, 2, 3)]
    index = size_corners(extent)
    corners = np.vstack([index, np.ones((1, index.shape[1]))])
    gap = float(np.max(np.linalg.norm(qform @ corners - sform @ corners, axis=0)))
    if gap <= 1e-3 * max(1.0, float(np.max(np.abs(sform[:, 3])))):
        return {}
    # Which one SimpleITK took: the one that puts the corners where the image does.
    spacing, origin, direction = header.world_geometry("RAS")
    placed = origin[:, None] + direction @ (spacing[:, None] * index)
    distance = {
        name: float(np.max(np.linalg.norm(affine @ corners - placed, axis=0)))
        for name, affine in (("qform", qform), ("sform", sform))
    }
    used = min(distance, key=distance.get)
    return {
        "NIFTI_qform_sform": (
            f"disagree by up to {gap:.4g} mm at the image corners: qform "
            f"({_XFORM_NAMES.get(nifti.qform_code, nifti.qform_code)}) and sform "
            f"({_XFORM_NAMES.get(nifti.sform_code, nifti.sform_code)}); "
            f"SimpleITK placed the image by the {used}"
        ),
        "NIFTI_sform": "; ".join(" ".join(f"{v:g}" for v in row) for row in sform),
        "NIFTI_qform": "; ".join(" ".join(f"{v:g}" for v in row) for row in qform),
    }


def _qform_affine(nifti: NiftiHeader) -> np.ndarray:
    """The 3x4 qform (RAS) of a NIfTI header, as the standard defines it."""
    b, c, d = nifti.quatern
    a = math.sqrt(max(0.0, 1.0 - (b * b + c * c + d * d)))
    rotation = np.array(
        [
            [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
            [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
            [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
        ]
    )
    qfac = -1.0 if nifti.pixdim[0] < 0 else 1.0
    scale = np.array([nifti.pixdim[1], nifti.pixdim[2], nifti.pixdim[3] * qfac])
    return np.hstack([rotation * scale, np.reshape(nifti.qoffset, (3, 1))])


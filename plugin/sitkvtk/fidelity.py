"""What the file holds is what the user gets: where SimpleITK would change or drop it.

- niftilib, which SimpleITK's NIfTI reader uses, replaces every NaN and infinity of a
  float file with 0 (``nifti_read_buffer`` in nifti1_io.c "fixes bad floats"):
  :func:`restore_nonfinite` puts the file's values back.
- niftilib, asked for ``x.nii.gz`` (or ``x.hdr.gz``), opens ``x.nii`` (``x.hdr``) if
  that exists: :func:`simpleitk_file_name` hands SimpleITK a link that has no such twin.
- Header fields SimpleITK reads but does not apply, or applies silently (NIfTI
  scaling, intent, units, a qform and sform that disagree; NRRD's measurement frame;
  a sheared direction): :func:`reported_fields` describes them for the header metadata.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import zlib

import numpy as np
import SimpleITK as sitk

from . import datalayout, rawheader
from .errors import ReadError

_UNPRINTABLE = "[UNKNOWN_PRINT_CHARACTERISTICS]"


@contextlib.contextmanager
def simpleitk_file_name(path: str):
    """The name to give SimpleITK for ``path``: ``path`` itself, or a link to it alone
    in a temporary folder when niftilib would open a sibling file instead."""
    lower = path.lower()
    twin = path[:-3] if lower.endswith((".nii.gz", ".hdr.gz")) else None
    if twin is None or not os.path.exists(twin):
        yield path
        return
    import shutil  # only for this rare case
    import tempfile

    folder = tempfile.mkdtemp(prefix="sitkvtk-")
    try:
        suffix = path[-7:]
        links = {path: os.path.join(folder, "image" + suffix)}
        data_file = datalayout.nifti_data_file(path)
        if data_file is not None and data_file != path:
            links[data_file] = os.path.join(folder, "image" + data_file[len(data_file) - 7 :])
        for target, link in links.items():
            try:
                os.symlink(os.path.abspath(target), link)
            except OSError:
                raise ReadError(
                    path,
                    f"SimpleITK would read {twin} instead, and no link can be made to avoid it",
                ) from None
        yield links[path]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def restore_nonfinite(header, image: sitk.Image, start, size, step: int = 0) -> sitk.Image:
    """``image`` (voxels ``start .. start + size`` of volume ``step`` of a NIfTI file,
    as SimpleITK read them) with the file's NaNs and infinities put back where
    niftilib made them 0. Returns ``image`` itself when nothing needs restoring."""
    if header.io_name != "NiftiImageIO":
        return image
    nifti = rawheader.read_nifti_header(header.path)
    if nifti is None or nifti.datatype not in rawheader.NIFTI_FLOAT_TYPES:
        return image
    dims = [max(int(d), 1) for d in nifti.dim[1 : nifti.ndim + 1]] + [1] * 7
    if not 1 <= nifti.ndim <= 5 or dims[5] > 1 or dims[6] > 1:
        return image
    view = sitk.GetArrayViewFromImage(image)
    # A fixed voxel reads as 0, scaled like any other: slope * 0 + inter.
    fixed_value = nifti.scl_inter if nifti.scaled else 0.0
    if not np.any(view == fixed_value):
        return image
    stored = _stored_box(header.path, nifti, dims, start, size, step)
    if stored is None:
        return image
    bad = ~np.isfinite(stored)
    if not bad.any():
        return image
    values = stored[bad]
    if nifti.scaled:
        values = values * nifti.scl_slope + nifti.scl_inter
    restored = np.array(view).reshape(stored.shape)  # the rare case that pays a copy
    restored[bad] = values
    vector = image.GetNumberOfComponentsPerPixel() > 1 and not np.iscomplexobj(restored)
    result = sitk.GetImageFromArray(restored.reshape(view.shape), isVector=vector)
    result.CopyInformation(image)
    return result


def _stored_box(path, nifti, dims, start, size, step) -> np.ndarray | None:
    """Voxels of the box as stored in the file, shaped (z, y, x[, c])."""
    layout = datalayout.data_layout(path, "NiftiImageIO", 0)
    if layout is None:
        return None
    dtype = np.dtype(rawheader.NIFTI_FLOAT_TYPES[nifti.datatype]).newbyteorder(nifti.endian)
    nx, ny, nz, nt, nc = dims[:5]
    x0, y0, z0 = (list(start) + [0, 0, 0])[:3]
    sx, sy, sz = (list(size) + [1, 1, 1])[:3]
    slab = ny * nx  # one z slice
    components = []
    try:
        opener = gzip.open if layout.compression == "gzip" else open
        with opener(layout.path, "rb") as stream:
            for c in range(nc):  # NIfTI stores components slowest (x, y, z, t, c)
                first = ((c * nt + step) * nz + z0) * slab
                stream.seek(layout.offset + first * dtype.itemsize)
                raw = stream.read(sz * slab * dtype.itemsize)
                if len(raw) < sz * slab * dtype.itemsize:
                    return None
                block = np.frombuffer(raw, dtype=dtype).reshape(sz, ny, nx)
                components.append(block[:, y0 : y0 + sy, x0 : x0 + sx])
    except (OSError, EOFError, zlib.error):
        return None
    return components[0] if nc == 1 else np.stack(components, axis=-1)


# -- header fields SimpleITK does not apply ------------------------------------------
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


def reported_fields(path: str, io_name: str, metadata: dict, header) -> dict[str, str]:
    """Metadata entries for what SimpleITK read from ``path`` but did not apply or show."""
    notes: dict[str, str] = {}
    dim = header.dimension
    direction = np.reshape(header.direction, (dim, dim))
    if np.all(np.isfinite(direction)) and not np.allclose(
        direction.T @ direction, np.eye(dim), atol=1e-4
    ):
        notes["sitkvtk_direction"] = (
            "not orthonormal (a sheared grid): "
            "voxels are placed with the matrix as the file gives it"
        )
    if io_name == "NiftiImageIO":
        nifti = rawheader.read_nifti_header(path)
        if nifti is not None:
            notes.update(_nifti_notes(nifti, header))
    elif io_name == "NrrdImageIO" and "NRRD_measurement frame" in metadata:
        try:
            frame = rawheader.nrrd_fields(rawheader.text_header(path)).get("measurement frame")
        except OSError:
            frame = None
        if frame:
            notes["NRRD_measurement frame"] = frame
            notes["NRRD_measurement frame applied"] = "no: vector and tensor values are as stored"
    return notes


def _nifti_notes(nifti: rawheader.NiftiHeader, header) -> dict[str, str]:
    notes = {}
    stored = rawheader.NIFTI_DATATYPE_BYTES.get(nifti.datatype)
    if nifti.scaled and stored is not None:
        notes["NIFTI_scaling"] = (
            f"value = {nifti.scl_slope:g} * stored + {nifti.scl_inter:g}, applied by SimpleITK: "
            f"the file stores {rawheader.NIFTI_DATATYPE_NAMES[nifti.datatype]}, "
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


def _xform_notes(nifti: rawheader.NiftiHeader, header) -> dict[str, str]:
    if nifti.qform_code <= 0 or nifti.sform_code <= 0:
        return {}
    qform, sform = _qform_affine(nifti), np.reshape(nifti.srow, (3, 4))
    if not (np.all(np.isfinite(qform)) and np.all(np.isfinite(sform))):
        return {}
    extent = [max(nifti.dim[i], 1) if i <= nifti.ndim else 1 for i in (1, 2, 3)]
    index = np.array(np.meshgrid(*[[0, n - 1] for n in extent], indexing="ij")).reshape(3, -1)
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


def _qform_affine(nifti: rawheader.NiftiHeader) -> np.ndarray:
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


def replace_unprintable(metadata: dict, notes: dict) -> dict:
    """``metadata`` without values SimpleITK could not print, then ``notes``."""
    cleaned = {k: v for k, v in metadata.items() if not v.startswith(_UNPRINTABLE)}
    cleaned.update(notes)
    return cleaned

"""DICOM series: discovery in a folder, slice order and geometry.

Slices are ordered by their position along the slice normal (ImagePositionPatient .
(row x column direction)), never by file name or instance number. What the output
grid does when the positions do not make one (see :func:`plan_series`):

- mixed orientations, different rows/columns or pixel spacing: refused (ReadError); a
  folder's series are split into stacks before they get here (see :mod:`.stacks`);
- duplicate positions: the file with the lowest InstanceNumber is kept, the others
  dropped, with a warning;
- missing slices (steps that are whole multiples of the median step): blank slices
  (value 0) are inserted, so every real slice stays at its true position (as long as
  there are no more blank slices than real ones);
- other non-uniform steps: the spacing is (last - first) / (n - 1), so the first and
  last slices are exact; the warning gives the largest error of the others in mm.

Warnings are :class:`DicomWarning` and name the series; they are also kept in the
header metadata under ``DICOM_Warnings``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..errors import ReadError
from ..header import ImageHeader
from ..pixeltypes import pixel_id, widest
from ..progress import report
from .checks import check_pixel_spacing, checked_slices
from .gdcm import header_with_gdcm, pixel_type_of
from .parse import DicomFile, parse
from .values import decoded_by_sitkvtk, output_dtype

#: Tags copied to the header metadata (and the output's field data) as DICOM_<keyword>.
METADATA_TAGS = (
    "Modality", "SeriesDescription", "SeriesInstanceUID", "SeriesNumber", "StudyDescription",
    "StudyInstanceUID", "StudyDate", "FrameOfReferenceUID", "SOPClassUID", "PatientPosition",
    "PatientOrientation", "ImageOrientationPatient", "ImagePositionPatient", "PixelSpacing",
    "SliceThickness", "PhotometricInterpretation", "RescaleSlope", "RescaleIntercept",
    "RescaleType", "WindowCenter", "WindowWidth", "NumberOfFrames", "DoseGridScaling",
)


class DicomWarning(UserWarning):
    """A DICOM series whose slices do not make a regular grid (the message names it)."""


def scan_folder(folder: str, notes: list[str] | None = None) -> dict[str, list[DicomFile]]:
    """Image files directly in ``folder``, grouped by SeriesInstanceUID (not recursive).

    Files left out (refused before GDCM reads them) are warned about, and the warning is
    appended to ``notes`` for the header's ``DICOM_Warnings``."""
    series: dict[str, list[DicomFile]] = {}
    refused: list[str] = []
    try:
        names = sorted(os.listdir(folder))
    except OSError as error:
        raise ReadError(folder, f"cannot list the folder ({error.strerror})") from None
    for done, name in enumerate(names, 1):
        report("scanning", done, len(names))
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            continue
        try:
            info = parse(path) or header_with_gdcm(path)
        except ReadError as error:  # refused before GDCM reads it (dicom/checks.py): said, not dropped
            refused.append(str(error))
            continue
        if info is None or not info.get("Rows") or not info.get("Columns"):
            continue  # not DICOM, or no image in it (DICOMDIR, reports)
        series.setdefault(info.get("SeriesInstanceUID", "unknown"), []).append(info)
    if refused and not series:
        raise ReadError(folder, f"no readable DICOM image; {len(refused)} file(s) refused, the first: {refused[0]}")
    if refused:
        more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
        note = f"folder {folder}: left out a file that cannot be read: {refused[0]}{more}"
        warnings.warn(note, DicomWarning, stacklevel=2)
        if notes is not None:
            notes.append(note)
    return series


@dataclass
class SeriesPlan:
    """One series as a regular grid: which file fills which z slot."""

    uid: str
    slots: list[DicomFile | None]  # None: a missing slice (left blank)
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float]
    direction: tuple[float, ...]  # row-major 3x3: columns are row, column, normal
    warnings: list[str] = field(default_factory=list)


def plan_series(uid: str, files: list[DicomFile], folder: str) -> SeriesPlan:
    """Order ``files`` along the slice normal and check that they make a grid."""
    name = f"series {uid}"
    notes: list[str] = []
    files = checked_slices(name, files, notes)  # a NaN position is reported, never dropped silently
    first = files[0]
    for key in ("Rows", "Columns", "PixelSpacing", "SamplesPerPixel"):
        values = {f.get(key) for f in files}
        if len(values) > 1:
            raise ReadError(folder, f"{name}: its slices differ in {key} ({sorted(values)})")
    iops = [f.numbers("ImageOrientationPatient") for f in files]
    ipps = [f.numbers("ImagePositionPatient") for f in files]
    check_pixel_spacing(name, first)  # the slices agree on it (above): one file speaks for all
    spacing_yx = first.numbers("PixelSpacing") or [1.0, 1.0]
    dx, dy = float(spacing_yx[1]), float(spacing_yx[0])
    if any(v is None or len(v) != 6 for v in iops) or any(p is None or len(p) != 3 for p in ipps):
        if len(files) > 1:
            notes.append(f"{name}: no ImagePositionPatient/ImageOrientationPatient; "
                         "slices ordered by InstanceNumber at unit spacing")
        files = sorted(files, key=lambda f: (f.number("InstanceNumber", 0), f.path))
        return _planned(uid, list(files), (dx, dy, 1.0), (0.0, 0.0, 0.0), np.eye(3), notes)
    iop = np.array(iops[0])
    if any(np.abs(np.array(v) - iop).max() > 1e-4 for v in iops):
        count = len({tuple(np.round(v, 4)) for v in iops})
        raise ReadError(folder, f"{name}: its slices have {count} different orientations "
                        "(ImageOrientationPatient); one grid cannot hold them")
    row, col = iop[:3] / np.linalg.norm(iop[:3]), iop[3:] / np.linalg.norm(iop[3:])
    normal = np.cross(row, col)
    positions = np.array(ipps, dtype=float)
    heights = positions @ normal
    order = sorted(range(len(files)),
                   key=lambda i: (heights[i], files[i].number("InstanceNumber", 0)))
    kept = [order[0]]
    for i in order[1:]:
        if abs(heights[i] - heights[kept[-1]]) > 1e-3:
            kept.append(i)
    if len(kept) < len(order):
        notes.append(f"{name}: {len(order) - len(kept)} slices share a position with another; "
                     "kept the lowest InstanceNumber at each position")
    heights = heights[kept]
    ordered = [files[i] for i in kept]
    lateral = positions[kept] - positions[kept[0]]
    lateral -= np.outer(lateral @ normal, normal)
    if len(kept) > 1 and np.abs(lateral).max() > 0.01 * min(dx, dy):
        notes.append(f"{name}: slice positions drift across the slice plane by up to "
                     f"{np.abs(lateral).max():.3g} mm (tilted gantry?); slices are stacked "
                     "along the normal")
    slots: list[DicomFile | None] = list(ordered)
    dz = 1.0
    if len(kept) > 1:
        steps = np.diff(heights)
        dz = float(np.median(steps))
        tolerance = max(0.01 * dz, 1e-3)
        multiples = np.rint(steps / dz)
        if np.abs(steps - dz).max() <= tolerance:
            pass
        elif multiples.min() >= 1 and np.abs(steps - multiples * dz).max() <= tolerance \
                and multiples.sum() <= 2 * len(steps):  # more blank than real: not a gap, an outlier
            slots = [ordered[0]]
            for f, m in zip(ordered[1:], multiples, strict=False):
                slots += [None] * (int(m) - 1) + [f]
            notes.append(f"{name}: {len(slots) - len(ordered)} missing slices (gaps in the "
                         f"positions at a {dz:.4g} mm step) are left blank (value 0)")
        else:
            dz = float((heights[-1] - heights[0]) / (len(heights) - 1))
            error = np.abs(heights - heights[0] - dz * np.arange(len(heights))).max()
            notes.append(f"{name}: non-uniform slice spacing ({steps.min():.4g} to "
                         f"{steps.max():.4g} mm); placed at a mean {dz:.4g} mm, slices are "
                         f"off their true position by up to {error:.3g} mm")
    direction = np.column_stack([row, col, normal])
    return _planned(uid, slots, (dx, dy, dz), tuple(positions[kept[0]]), direction, notes)


def _planned(uid, slots, spacing, origin, direction, notes) -> SeriesPlan:
    for note in notes:
        warnings.warn(note, DicomWarning, stacklevel=3)
    return SeriesPlan(uid, slots, tuple(float(s) for s in spacing),
                      tuple(float(o) for o in origin), tuple(np.ravel(direction).tolist()), notes)


def metadata_of(files: list[DicomFile], notes: list[str]) -> dict[str, str]:
    """DICOM_<keyword> -> text for the series' first file, plus warnings."""
    first = next(f for f in files if f is not None)
    meta = {f"DICOM_{key}": first.get(key) for key in METADATA_TAGS if first.get(key)}
    real = [f for f in files if f is not None]
    meta["DICOM_NumberOfFiles"] = str(len(real))
    for key in ("RescaleSlope", "RescaleIntercept"):
        if len({f.get(key) for f in real}) > 1:
            meta[f"DICOM_{key}"] = "varies per slice"
    if notes:
        meta["DICOM_Warnings"] = " | ".join(notes)
    return meta


def pixel_type(files: list[DicomFile], folder: str) -> tuple[int, int]:
    """(SimpleITK pixel ID, components) GDCM gives these files, rescale included.

    GDCM picks the type from the stored type and the rescale (an integer rescale that
    overflows the stored type widens it; a fractional one gives float64). Slices whose
    rescale differs are asked separately and the widest type wins.
    """
    combos = {}
    for f in files:
        key = tuple(f.get(k) for k in ("RescaleSlope", "RescaleIntercept", "BitsAllocated",
                                       "BitsStored", "PixelRepresentation", "SamplesPerPixel",
                                       "PhotometricInterpretation", "Modality"))
        combos.setdefault(key + (f.transfer_syntax, bool(f.sequences)), f)
    found = [_pixel_type_of(f) for f in combos.values()]
    components = found[-1][1]
    return widest([pixel_id for pixel_id, _ in found], components), components


def _pixel_type_of(info: DicomFile) -> tuple[int, int]:
    if decoded_by_sitkvtk(info):
        components = int(info.number("SamplesPerPixel", 1))
        return pixel_id(output_dtype(info), components > 1), components
    return pixel_type_of(info.path)


def header_of(path: str, plan: SeriesPlan, pixel_id: int, components: int) -> ImageHeader:
    first = next(f for f in plan.slots if f is not None)
    size = (int(first.get("Columns")), int(first.get("Rows")), len(plan.slots))
    return ImageHeader(path=path, io_name="GDCMImageIO", size=size, spacing=plan.spacing,
                       origin=plan.origin, direction=plan.direction, pixel_id=pixel_id,
                       components=components, metadata=metadata_of(plan.slots, plan.warnings))

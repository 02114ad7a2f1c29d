"""A multi-frame DICOM file read by sitkvtk: frames from the pixel data, values as the file means.

Used where SimpleITK (GDCM) would get a multi-frame file wrong and sitkvtk can decode it
(:func:`reads_itself`): an RT dose (DoseGridScaling not applied, frames not placed by
GridFrameOffsetVector, "invalid logic behavior" without NumberOfFrames), a frame count the
pixel data does not match (GDCM reads fewer frames, or pads with zeros), and the kinds of
pixel data GDCM decodes wrongly (:mod:`.faults`).

- Frame count: what the pixel data holds, when that is a whole number of frames (a warning
  says so where NumberOfFrames disagrees); otherwise a ReadError that gives both counts.
- Geometry: frames with a GridFrameOffsetVector sit at ImagePositionPatient + offset along
  the slice normal, ordered and gap-filled as a series' slices (:func:`.series.plan_series`);
  other files take SimpleITK's geometry (enhanced objects' per-frame positions).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ..errors import ReadError
from ..geometry import positive_spacing
from ..header import ImageHeader
from ..pixeltypes import pixel_id
from ..sources.checks import check_data_fits
from ..sources.file import read_header
from .decode import can_decode, declared_frames, frame_layout, frames_held
from .parse import DicomFile
from .placement import placed_by_tags
from .series import DicomWarning, metadata_of, plan_series
from .values import decoded_by_sitkvtk, is_dose, modality_values, output_dtype


def reads_itself(info: DicomFile) -> bool:
    """Whether this file, read on its own, is read by :class:`DicomFramesSource`."""
    if not can_decode(info):
        return False
    return decoded_by_sitkvtk(info) or is_dose(info) or frames_held(info) != declared_frames(info)


class DicomFramesSource:
    """The frames of one multi-frame file, decoded once and kept (dose grids are small)."""

    def __init__(self, info: DicomFile):
        self.info = info
        self.path = info.path
        self.count = _frame_count(info)
        self._header: ImageHeader | None = None
        self._values: np.ndarray | None = None
        self._slots: list[int | None] = list(range(self.count))

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            self._header = self._make_header()
        return self._header

    def _make_header(self) -> ImageHeader:
        info = self.info
        rows, columns, samples, _ = frame_layout(info)
        offsets = info.numbers("GridFrameOffsetVector")
        if offsets and len(offsets) != self.count:
            raise ReadError(self.path, f"GridFrameOffsetVector lists {len(offsets)} offsets "
                            f"for the {self.count} frames the pixel data holds")
        notes = list(self._notes)
        if offsets and info.numbers("ImagePositionPatient") and info.numbers("ImageOrientationPatient"):
            plan = plan_series(self.path, _frames_as_slices(info, offsets), self.path)
            self._slots = [None if f is None else int(f.get("InstanceNumber")) for f in plan.slots]
            spacing, origin, direction = plan.spacing, plan.origin, plan.direction
            notes += plan.warnings
        else:
            try:
                simpleitk = read_header(self.path)
            except ReadError:
                simpleitk = None
            if simpleitk is None or simpleitk.dimension != 3:
                raise ReadError(self.path, "multi-frame file without a geometry sitkvtk can work "
                                "out (no GridFrameOffsetVector, and SimpleITK cannot read its header)")
            simpleitk = placed_by_tags(info, simpleitk)  # one frame: GDCM < SimpleITK 2.4 ignores its tags
            spacing, direction = positive_spacing(simpleitk.spacing, simpleitk.direction)
            origin = simpleitk.origin
        meta = metadata_of([info], notes)
        meta["DICOM_NumberOfFrames"] = str(self.count)
        if is_dose(info):
            meta["DICOM_DoseUnits"] = info.get("DoseUnits", "GY")
        return ImageHeader(path=self.path, io_name="GDCMImageIO",
                           size=(columns, rows, len(self._slots)), spacing=spacing, origin=origin,
                           direction=direction, pixel_id=pixel_id(output_dtype(info), samples > 1),
                           components=samples, metadata=meta)

    @property
    def _notes(self) -> list[str]:
        declared = int(self.info.number("NumberOfFrames", self.count))
        if declared == self.count:
            return []
        note = (f"{self.path}: NumberOfFrames says {declared}, the pixel data holds "
                f"{self.count} frames; read {self.count}")
        warnings.warn(note, DicomWarning, stacklevel=4)
        return [note]

    def read_box(self, start, size, step=0, progress=None):
        header = self.header
        check_data_fits(header)
        if self._values is None:
            self._values = modality_values(self.info, self.count)
        x0, y0, z0 = (int(v) for v in start)
        sx, sy, sz = (int(v) for v in size)
        shape = (sz, sy, sx) + ((header.components,) if header.components > 1 else ())
        out = np.empty(shape, dtype=header.component_dtype)
        for k in range(sz):
            frame = self._slots[z0 + k]
            out[k] = 0 if frame is None else self._values[frame, y0:y0 + sy, x0:x0 + sx]
        if progress is not None:
            progress(1.0)
        return out


def _frame_count(info: DicomFile) -> int:
    held = frames_held(info)
    if held is None:
        rows, columns, samples, bits = frame_layout(info)
        raise ReadError(info.path, f"the pixel data ({info.data_length} bytes) is not a whole number "
                        f"of {columns}x{rows} frames of {samples} x {bits} bits "
                        f"(NumberOfFrames {info.get('NumberOfFrames') or 'absent'})")
    if held == 0:
        raise ReadError(info.path, "the pixel data holds no whole frame")
    return held


def _frames_as_slices(info: DicomFile, offsets: list[float]) -> list[DicomFile]:
    """One stand-in file per frame at ImagePositionPatient + offset * normal, its
    InstanceNumber the frame index, so that frames are placed as a series' slices."""
    iop = np.array(info.numbers("ImageOrientationPatient"), dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    normal /= np.linalg.norm(normal)
    origin = np.array(info.numbers("ImagePositionPatient"), dtype=float)
    offsets = np.array(offsets, dtype=float)
    if offsets[0] != 0 and np.allclose(normal, (0, 0, 1), atol=1e-6):
        offsets = offsets - origin[2]  # absolute z coordinates (PS3.3 C.8.8.3.2)
    frames = []
    for k, offset in enumerate(offsets):
        position = origin + offset * normal
        tags = {**info.tags, "InstanceNumber": str(k),
                "ImagePositionPatient": "\\".join(repr(float(v)) for v in position)}
        frames.append(dataclasses.replace(info, tags=tags))
    return frames

"""A DICOM series split into stacks that each make one grid, as 3D Slicer splits them.

One SeriesInstanceUID may hold images no single grid can: a 3-plane localizer, projections
at several angles, a change of image size or pixel type, several echoes or time points.
The rules:

- files are grouped by orientation (ImageOrientationPatient to 1e-4), Rows and Columns,
  PixelSpacing, pixel type (SamplesPerPixel, BitsAllocated, PixelRepresentation), and
  whether they hold several frames;
- inside a group, files that differ in EchoNumbers, EchoTime or TemporalPositionIdentifier
  (or TriggerTime, where slice positions repeat) are phases, unless every phase is one
  slice at a position of its own. Phases that all hold the same slice positions become the
  time steps of one 4-D stack; otherwise each phase is a stack of its own;
- a series that needs one stack keeps its SeriesInstanceUID as its ID; the stacks of a
  split series are ``<uid>#1``, ``<uid>#2``, ... (most slices first) and the bare UID
  reads ``<uid>#1``. Descriptions name the plane: ``MR "PILOT" sagittal 1 slice 256x256``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..header import ImageHeader
from .decode import holds_frames
from .parse import DicomFile

_PHASE_TAGS = ("EchoNumbers", "EchoTime", "TemporalPositionIdentifier", "TriggerTime")
_PLANES = ("sagittal", "coronal", "axial")  # by the largest component of the slice normal


@dataclass
class Stack:
    """Files that make one grid: ``phases`` holds one list per time step (usually one)."""

    uid: str  # SeriesInstanceUID
    phases: list[list[DicomFile]]
    label: str = ""  # "" for a series read whole, else its plane (and phase)

    @property
    def files(self) -> list[DicomFile]:
        return [f for phase in self.phases for f in phase]


def split_series(series: dict[str, list[DicomFile]]) -> dict[str, Stack]:
    """Stack ID -> stack for every series of a folder (see the module's rules)."""
    stacks: dict[str, Stack] = {}
    for uid, files in series.items():
        found = _stacks_of(uid, files)
        if len(found) == 1:
            stacks[uid] = found[0]
            continue
        found.sort(key=lambda s: (-frames(s.phases[0]), s.label))
        for number, stack in enumerate(found, 1):
            stacks[f"{uid}#{number}"] = stack
    return stacks


def resolve(stacks: dict[str, Stack], wanted: str) -> str | None:
    """The stack ID ``wanted`` means: itself, or a split series' largest stack."""
    if wanted in stacks:
        return wanted
    return wanted + "#1" if wanted + "#1" in stacks else None


def stack_of_file(stacks: dict[str, Stack], path: str) -> str | None:
    for stack_id, stack in stacks.items():
        if any(f.path == path for f in stack.files):
            return stack_id
    return None


def frames(files: list[DicomFile]) -> int:
    return sum(int(f.number("NumberOfFrames", 1)) for f in files)


def describe(stack: Stack) -> str:
    """'CT "Chest 1.0" 120 slices 512x512', with the plane (and phase) of a split series'
    stack, and the time steps of a 4-D one."""
    first = stack.phases[0][0]
    count = frames(stack.phases[0])
    text = first.get("Modality", "?")
    if first.get("SeriesDescription"):
        text += f' "{first.get("SeriesDescription")}"'
    if stack.label:
        text += f" {stack.label}"
    text += f" {count} {'slice' if count == 1 else 'slices'} {first.get('Columns')}x{first.get('Rows')}"
    if len(stack.phases) > 1:
        text += f" {len(stack.phases)} time steps"
    return text


def with_time_steps(header: ImageHeader, stack: Stack) -> ImageHeader:
    """The 3-D header of one phase as the 4-D header of the stack: time step t is phase t
    (time axis at origin 0, spacing 1); what each step is goes to DICOM_TimeSteps."""
    direction = np.eye(4)
    direction[:3, :3] = np.reshape(header.direction, (3, 3))
    steps = " | ".join(_phase_name(tuple(p[0].get(k) for k in _PHASE_TAGS)) for p in stack.phases)
    return dataclasses.replace(
        header, size=header.size + (len(stack.phases),), spacing=header.spacing + (1.0,),
        origin=header.origin + (0.0,), direction=tuple(direction.ravel().tolist()),
        metadata={**header.metadata, "DICOM_TimeSteps": steps,
                  "DICOM_NumberOfFiles": str(len(stack.files))})


def _stacks_of(uid: str, files: list[DicomFile]) -> list[Stack]:
    groups: dict[tuple, list[DicomFile]] = {}
    for f in files:
        iop = f.numbers("ImageOrientationPatient")
        orientation = tuple(round(v, 4) + 0.0 for v in iop) if iop and len(iop) == 6 else None
        key = (orientation,) + tuple(f.get(k) for k in (
            "Rows", "Columns", "PixelSpacing", "SamplesPerPixel", "BitsAllocated", "PixelRepresentation"))
        key += (holds_frames(f),)  # a multi-frame file among slices: a stack of its own, not the answer
        groups.setdefault(key, []).append(f)
    stacks = []
    for key, members in groups.items():
        plane = _plane(key[0]) if len(groups) > 1 else ""
        stacks += _phase_stacks(uid, members, plane)
    return stacks


def _phase_stacks(uid: str, files: list[DicomFile], plane: str) -> list[Stack]:
    distinct = _positions(files) is not None
    phases: dict[tuple, list[DicomFile]] = {}
    for f in files:
        key = tuple(f.get(k) for k in _PHASE_TAGS)
        if distinct:  # a trigger time per slice (cardiac CT) does not make phases
            key = key[:3] + ("",)
        phases.setdefault(key, []).append(f)
    if len(phases) == 1 or (distinct and max(len(p) for p in phases.values()) == 1):
        return [Stack(uid, [files], plane)]
    keys = sorted(phases, key=_phase_order)
    positions = [_positions(phases[k]) for k in keys]
    if all(p is not None and p == positions[0] for p in positions):
        return [Stack(uid, [phases[k] for k in keys], plane)]  # time steps
    return [Stack(uid, [phases[k]], f"{plane} {_phase_name(k)}".strip()) for k in keys]


def _positions(files: list[DicomFile]) -> tuple | None:
    """The phase's slice positions (to 1e-3 mm), or None if it repeats one or lacks them."""
    found = [f.numbers("ImagePositionPatient") for f in files]
    if any(p is None or len(p) != 3 for p in found):
        return None
    rounded = sorted(tuple(round(v, 3) + 0.0 for v in p) for p in found)  # + 0.0: no -0.0
    return tuple(rounded) if len(set(rounded)) == len(rounded) else None


def _phase_order(key: tuple) -> tuple:
    def number(text):
        try:
            return (0, float(text))
        except ValueError:
            return (1, 0.0) if not text else (2, 0.0)
    return tuple(number(v.split("\\")[0]) for v in key)


def _phase_name(key: tuple) -> str:
    names = ("echo", "TE", "time point", "trigger")
    return " ".join(f"{name} {value}" for name, value in zip(names, key, strict=False) if value) or "no phase"


def _plane(orientation) -> str:
    if orientation is None:
        return "no orientation"
    normal = np.cross(orientation[:3], orientation[3:])
    return _PLANES[int(np.argmax(np.abs(normal)))]

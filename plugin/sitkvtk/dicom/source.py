"""DICOM series: read slice by slice into one buffer (single files: :mod:`.single`).

A series is read straight into the output: one ``np.empty`` buffer is allocated for the
requested box and each slice is written into its z slot, so the peak memory is the
box plus one slice. A z sub-range reads only its own files (streaming).

Native (uncompressed little-endian greyscale) slices are read raw by the Python
parser's offsets; everything else (JPEG, JPEG-LS, JPEG 2000, RLE, deflate, colour,
big-endian) is decoded by GDCM one file at a time. The raw path is checked against
GDCM once per kind of slice (same rescale, bits, SOP class) before it is trusted.
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import ReadError
from ..formats.pages import map_ahead
from ..header import ImageHeader
from ..sources.checks import check_data_fits
from .checks import check_file, check_path
from .decode import RLE, can_decode, holds_frames, native_layout, read_native
from .gdcm import decode_slice
from .parse import DicomFile, parse
from .series import DicomWarning, header_of, pixel_type, plan_series, scan_folder
from .single import file_source
from .stacks import describe, frames, resolve, split_series, stack_of_file, with_time_steps
from .values import (
    decoded_by_sitkvtk,
    fix_gdcm_values,
    modality_values,
    refuse_unscaled_dose,
)


def is_dicom_file(path: str) -> DicomFile | None:
    """The parsed header if ``path`` is a DICOM Part-10 file the fast parser reads."""
    if not os.path.isfile(path):
        return None
    return parse(path)


class DicomSeriesSource:
    """A DICOM series: a folder (choose with ``series_id``) or the series of one file."""

    def __init__(self, path: str, series_id: str | None = None, anchor: DicomFile | None = None):
        self.path = path
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        # Stacks, not series: a series that one grid cannot hold is split (dicom/stacks.py).
        self._folder_notes: list[str] = []  # files left out, for DICOM_Warnings too
        self.series = split_series(scan_folder(folder, self._folder_notes))
        if not self.series:
            raise ReadError(path, "no DICOM image files in the folder")
        self.series_ids = sorted(self.series, key=lambda u: (-frames(self.series[u].files), u))
        if series_id is None and anchor is not None:
            series_id = stack_of_file(self.series, anchor.path)
        if series_id is None:
            series_id = self.series_ids[0]
        if resolve(self.series, series_id) is None:
            listing = "; ".join(f"{u}: {describe(self.series[u])}" for u in self.series_ids)
            raise ReadError(path, f"no series {series_id!r} here; the folder holds {listing}")
        self.series_id = series_id = resolve(self.series, series_id)
        stack = self.series[series_id]
        files = stack.files
        self._delegate = None  # the source of a multi-frame file read on its own (dicom/single.py)
        self._header: ImageHeader | None = None
        self._checked: dict[tuple, bool] = {}
        if any(holds_frames(f) for f in files):
            self._open_multiframe(files, anchor)
            return
        # One plan per time step; the steps hold the same positions, so the same grid.
        self.plans = [plan_series(series_id, phase, path) for phase in stack.phases]
        self.plan = self.plans[0]

    def _open_multiframe(self, files: list[DicomFile], anchor: DicomFile | None):
        chosen = anchor if anchor is not None else sorted(files, key=lambda f: f.path)[0]
        if len(files) > 1:
            warnings.warn(f"series {self.series_id}: {len(files)} multi-frame files; "
                          f"reading {chosen.path} only", DicomWarning, stacklevel=3)
        self._delegate = file_source(chosen)

    def descriptions(self) -> list[str]:
        """One short text per series, in :attr:`series_ids` order."""
        return [describe(self.series[u]) for u in self.series_ids]

    @property
    def header(self) -> ImageHeader:
        if self._delegate is not None:
            return self._delegate.header
        if self._header is None:
            real = [f for plan in self.plans for f in plan.slots if f is not None]
            pixel_id, components = pixel_type(real, self.path)
            self._header = header_of(self.path, self.plan, pixel_id, components)
            if self._folder_notes:
                meta = dict(self._header.metadata)
                meta["DICOM_Warnings"] = " | ".join(self._folder_notes + [meta.get("DICOM_Warnings", "")]).rstrip(" |")
                self._header = dataclasses.replace(self._header, metadata=meta)
            if len(self.plans) > 1:
                self._header = with_time_steps(self._header, self.series[self.series_id])
        return self._header

    def read_box(self, start, size, step=0, progress=None):
        if self._delegate is not None:
            return self._delegate.read_box(start, size, step, progress)
        header = self.header
        check_data_fits(header)
        x0, y0, z0 = (int(v) for v in start)
        sx, sy, sz = (int(v) for v in size)
        shape = (sz, sy, sx) + ((header.components,) if header.components > 1 else ())
        # np.empty, not a SimpleITK image: SimpleITK zero-fills what it allocates, a second
        # pass over the memory. Slots with no file (missing slices) are zeroed here.
        out = np.empty(shape, dtype=header.component_dtype)
        slots = self.plans[step].slots[z0 : z0 + sz]
        for k, info in enumerate(slots):
            if info is None:
                out[k] = 0
        mapping = map_ahead(out)  # the buffer's pages mapped on another core meanwhile
        try:
            self._fill_all(out, slots, x0, y0, progress)
        finally:
            if mapping is not None:
                mapping.join()
        return out

    def _fill_all(self, out: np.ndarray, slots: list, x0: int, y0: int, progress) -> None:
        files = [(k, info) for k, info in enumerate(slots) if info is not None]
        _on_every_core(lambda item: self._fill(out[item[0]], item[1], x0, y0), files, progress)

    def _fill(self, slot: np.ndarray, info: DicomFile, x0: int, y0: int) -> None:
        check_file(info)  # the slice holds what its header promises, before any pixel is read
        nx, ny = self.header.size[:2]
        box = (slice(y0, y0 + slot.shape[0]), slice(x0, x0 + slot.shape[1]))
        if decoded_by_sitkvtk(info):  # a kind GDCM decodes wrongly (see dicom/faults.py)
            np.copyto(slot, modality_values(info, 1)[0][box], casting="unsafe")
            return
        layout = native_layout(info)
        if layout is not None and self._raw_agrees(info, layout):
            slope = info.number("RescaleSlope", 1.0)
            intercept = info.number("RescaleIntercept", 0.0)
            direct = slot.shape == (ny, nx) and slope == 1.0 and intercept == 0.0 \
                and slot.dtype == layout[0] and slot.flags.c_contiguous
            try:
                if direct:  # straight from the file into the output buffer
                    read_native(info, layout, ny, nx, out=slot)
                    return
                stored = read_native(info, layout, ny, nx)[box]
            except (OSError, ValueError) as error:
                raise ReadError(info.path, f"cannot read the pixel data ({error})") from None
            if slope != 1.0 or intercept != 0.0:
                stored = stored * slope + intercept  # float64, as GDCM's rescaler computes
            np.copyto(slot, stored, casting="unsafe")
            return
        try:
            values, _image = decode_slice(info, nx, ny)
            refuse_unscaled_dose(info, values.dtype)
        except ReadError:
            if info.transfer_syntax != RLE or not can_decode(info):
                raise
            # This GDCM refuses small RLE images ("Failed to change to Implicit Transfer
            # Syntax") that decode.py reads; data that is broken fails there with its reason.
            np.copyto(slot, modality_values(info, 1)[0][box], casting="unsafe")
            return
        np.copyto(slot, fix_gdcm_values(info, values[box]), casting="unsafe")

    def _raw_agrees(self, info: DicomFile, layout) -> bool:
        """Whether the raw read gives what GDCM gives, tried once per kind of slice."""
        key = tuple(info.get(k) for k in (
            "RescaleSlope", "RescaleIntercept", "BitsAllocated", "BitsStored", "HighBit",
            "PixelRepresentation", "SOPClassUID", "PhotometricInterpretation"))
        key += (info.transfer_syntax,)
        if key not in self._checked:
            nx, ny = self.header.size[:2]
            reference, _image = decode_slice(info, nx, ny)
            try:
                raw = read_native(info, layout, ny, nx).astype(np.float64)
            except (OSError, ValueError):
                raw = None
            if raw is not None:
                raw = raw * info.number("RescaleSlope", 1.0) + info.number("RescaleIntercept", 0.0)
            self._checked[key] = (
                raw is not None and reference.dtype == self.header.component_dtype
                and np.array_equal(raw.astype(reference.dtype), reference)
            )
        return self._checked[key]


def _on_every_core(task, items: list, progress=None) -> None:
    """``task(item)`` for every item, on one thread per core: GDCM decodes (JPEG 2000, JPEG-LS,
    RLE) without holding the GIL, and each slice has its own slot. Progress is reported, and
    the first failing item's error raised, from the calling thread, in item order. The first
    item runs alone: it settles what later items look up (the raw read checked against GDCM)."""
    total = len(items)

    def report(done):
        if progress is not None:
            progress(done / total)

    if not items:
        return
    task(items[0])
    report(1)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    rest = items[1:]
    if min(cores, len(rest)) <= 1:
        for done, item in enumerate(rest, 2):
            task(item)
            report(done)
        return
    with ThreadPoolExecutor(min(cores, len(rest))) as pool:
        futures = [pool.submit(task, item) for item in rest]
        try:
            for done, future in enumerate(futures, 2):
                future.result()
                report(done)
        finally:
            for future in futures:  # after an error: nothing more is started
                future.cancel()


def open_dicom(path: str, series_id: str | None = None, whole_series: bool = True):
    """The source for a DICOM folder or file; None if ``path`` is not DICOM."""
    if os.path.isdir(path):
        return DicomSeriesSource(path, series_id)
    info = is_dicom_file(path)
    if info is None:
        check_path(path)  # SimpleITK reads it next: refuse what hangs GDCM first
        return None
    if holds_frames(info) or not whole_series:
        return file_source(info)
    return DicomSeriesSource(path, series_id, anchor=info)

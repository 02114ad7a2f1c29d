"""A DICOM file read on its own: a multi-frame object, or one slice taken alone.

SimpleITK (GDCM) reads it, with what the project knows GDCM gets wrong put right; where
SimpleITK would get the values wrong, sitkvtk's own frames source reads it instead
(:mod:`.frames`).
"""

from __future__ import annotations

import dataclasses

import SimpleITK as sitk

from ..errors import ReadError, itk_reason
from ..geometry import positive_spacing
from ..header import ImageHeader
from ..sources.file import FileSource
from .charset import decoded_metadata
from .checks import check_path, check_single
from .decode import declared_frames
from .frames import DicomFramesSource, reads_itself
from .gdcm import gdcm_reader
from .parse import GDCM_KEYS, DicomFile, parse
from .placement import checked_against_tags
from .values import fix_gdcm_values, gdcm_values_wrong, refuse_unscaled_dose


class DicomFileSource(FileSource):
    """One DICOM file read whole by SimpleITK (multi-frame, or a slice on its own).

    SimpleITK (GDCM) reads a multi-frame file as one 3-D image: the z spacing comes from
    SpacingBetweenSlices, GridFrameOffsetVector (RT dose) or the per-frame positions
    of an enhanced object. Its tags are added to the metadata as DICOM_<keyword>.
    """

    _info: DicomFile | None = None  # the file's own tags, parsed with the header

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            check_path(self.path)  # before GDCM sees it: sizes, frames, inputs that hang GDCM
            try:
                header = FileSource.header.fget(self)
            except ReadError as error:
                raise ReadError(self.path, gdcm_failure(self.path) or error.reason) from None
            # GDCM's header read of some enhanced objects: z spacing -10 along +z (its full
            # read: +10 along -z). The same grid, with the spacing the checks accept.
            spacing, direction = positive_spacing(header.spacing, header.direction)
            header = dataclasses.replace(header, spacing=spacing, direction=direction)
            info = self._info = parse(self.path)
            if info is not None:
                header = checked_against_tags(info, header)  # where GDCM ignores the file's tags
                refuse_unscaled_dose(info, header.component_dtype)
            header = dataclasses.replace(header, metadata=decoded_metadata(header.metadata))
            meta = dict(header.metadata)
            for key, value in header.metadata.items():
                if key in GDCM_KEYS and value.strip("\0 "):
                    meta["DICOM_" + GDCM_KEYS[key]] = value.strip("\0 ")
            self._header = dataclasses.replace(header, metadata=meta)
        return self._header

    def read_box(self, start, size, step=0, progress=None):
        voxels = super().read_box(start, size, step, progress)  # reads the header (and tags) first
        info = self._info  # parsed with the header: once per source, not per box
        if info is None or not gdcm_values_wrong(info):
            return voxels
        # A view: fix_gdcm_values computes a new array, and ``voxels`` lives until it has.
        values = sitk.GetArrayViewFromImage(voxels) if isinstance(voxels, sitk.Image) else voxels
        return fix_gdcm_values(info, values)


def gdcm_failure(path: str) -> str | None:
    """What GDCM says about a DICOM file SimpleITK would only call an "unknown format".

    SimpleITK picks no ImageIO when GDCM throws while probing the file; asked directly,
    GDCM gives its reason. Its "invalid logic behavior" is an assertion on a header it
    finds inconsistent, most often a multi-frame object without a usable NumberOfFrames.
    """
    reader = gdcm_reader(path)
    try:
        reader.ReadImageInformation()
    except RuntimeError as error:
        reason = itk_reason(error)
        if "invalid logic behavior" in reason.lower():
            info = parse(path)
            if info is not None and "NumberOfFrames" not in info.tags and declared_frames(info) > 1:
                return (f"no NumberOfFrames, though GridFrameOffsetVector lists {declared_frames(info)} "
                        "frames: GDCM fails on it ('invalid logic behavior'), and sitkvtk counts frames "
                        f"itself only in uncompressed or RLE data (this is {info.transfer_syntax})")
            return ("GDCM cannot read its header: an inconsistent header (GDCM's 'invalid logic "
                    "behavior'; a missing or wrong NumberOfFrames causes it)")
        return f"GDCM cannot read its header ({reason})"
    return None


def file_source(info: DicomFile):
    """One file: sitkvtk's own frames source where SimpleITK would get it wrong, else SimpleITK."""
    check_single(info)  # values no reader may decode, a plane it cannot be put in
    return DicomFramesSource(info) if reads_itself(info) else DicomFileSource(info.path)

"""GDCM's header of one DICOM file, checked against the file's own tags where GDCM has been seen
to ignore them. Each check acts only where the two disagree, so it switches itself off with a
GDCM that reads the tags.

- Placement: the GDCM of SimpleITK 2.3 (ITK 5.3) gives a Secondary Capture image origin 0,
  identity direction and spacing 1 although the file has ImagePositionPatient,
  ImageOrientationPatient and PixelSpacing; SimpleITK 2.5.7 places it by them, as sitkvtk's
  series reads do. A one-frame file takes its tags' placement.
- Frame count: a file without NumberOfFrames whose GridFrameOffsetVector lists several frames
  (RT dose) makes SimpleITK 2.5.7's GDCM throw, and SimpleITK 2.3's read one frame without a
  word. Where GDCM's count differs from the offsets' the file is refused.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..errors import ReadError
from ..header import ImageHeader
from .decode import declared_frames
from .parse import DicomFile


def checked_against_tags(info: DicomFile, header: ImageHeader) -> ImageHeader:
    """``header`` (GDCM's, of the file ``info``) placed by the file's tags if it has one frame;
    a ReadError if GDCM counts other frames than the GridFrameOffsetVector of a file without
    NumberOfFrames."""
    frames = declared_frames(info)
    if "NumberOfFrames" not in info.tags and frames > 1 and header.volume_size[2] != frames:
        raise ReadError(info.path, f"no NumberOfFrames, though GridFrameOffsetVector lists {frames} frames: "
                        f"GDCM reads {header.volume_size[2]}, and sitkvtk counts frames itself only in "
                        f"uncompressed or RLE data (this is {info.transfer_syntax})")
    return placed_by_tags(info, header) if frames == 1 else header


def placed_by_tags(info: DicomFile, header: ImageHeader) -> ImageHeader:
    """``header`` (GDCM's, of the one-frame file ``info``) with the origin, direction and
    in-plane spacing of the file's own tags where GDCM's differ from them."""
    position = info.numbers("ImagePositionPatient")
    orientation = info.numbers("ImageOrientationPatient")
    pixel_spacing = info.numbers("PixelSpacing")
    if len(header.size) != 3 or header.size[2] != 1 or position is None or orientation is None \
            or pixel_spacing is None or (len(position), len(orientation), len(pixel_spacing)) != (3, 6, 2):
        return header
    row = np.array(orientation[:3]) / np.linalg.norm(orientation[:3])
    column = np.array(orientation[3:]) / np.linalg.norm(orientation[3:])
    direction = np.column_stack([row, column, np.cross(row, column)])
    spacing = (pixel_spacing[1], pixel_spacing[0], header.spacing[2])  # PixelSpacing is (row, column)
    if np.allclose(header.origin, position, atol=1e-4) and np.allclose(header.spacing, spacing, atol=1e-6) \
            and np.allclose(np.reshape(header.direction, (3, 3)), direction, atol=1e-4):
        return header
    return dataclasses.replace(header, origin=tuple(position), spacing=spacing,
                               direction=tuple(float(v) for v in direction.ravel()))

"""DICOM files of the kinds SimpleITK's GDCM reads wrongly, written with pydicom: MONOCHROME1,
BitsAllocated 1, RLE 16/32-bit colour, explicit VR big endian, RT dose, Modality LUT.

Every file lies on the oblique grid of dicomcase (ImageOrientationPatient from R, PixelSpacing
DY\\DX); a single frame sits at ImagePositionPatient ORIGIN, frames of a multi-frame file at
ORIGIN + GridFrameOffsetVector along the normal. Expected values come from pydicom
(:func:`pydicom_values`), never from SimpleITK.
"""

from __future__ import annotations

import types

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_modality_lut, pack_bits
from pydicom.pixels.encoders.native import _encode_frame
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, RLELossless, generate_uid

from dicomcase import DX, DY, ORIGIN, R

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"


def write(path, stored: np.ndarray, *, bits: int, photometric="MONOCHROME2", syntax=ExplicitVRLittleEndian,
          bits_stored=None, signed=False, frames=None, offsets=None, sop=SECONDARY_CAPTURE,
          modality="OT", **tags) -> Dataset:
    """Write ``stored`` ((frames,) rows, columns[, samples]) as one file; return the dataset."""
    samples = 3 if photometric == "RGB" else 1
    multi = stored.ndim == (4 if samples > 1 else 3)
    shape = stored.shape[1:] if multi else stored.shape
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID, ds.StudyInstanceUID = generate_uid(), generate_uid()
    ds.Modality = modality
    ds.Rows, ds.Columns = shape[0], shape[1]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = samples, photometric
    if samples > 1:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored = bits, bits_stored or bits
    ds.HighBit, ds.PixelRepresentation = ds.BitsStored - 1, int(signed)
    ds.ImagePositionPatient = [float(v) for v in ORIGIN]
    ds.ImageOrientationPatient = [float(v) for v in np.concatenate([R[:, 0], R[:, 1]])]
    ds.PixelSpacing = [DY, DX]
    if multi and frames is not False:
        ds.NumberOfFrames = stored.shape[0] if frames is None else frames
    if offsets is not None:
        ds.GridFrameOffsetVector = [float(v) for v in offsets]
        ds.FrameIncrementPointer = 0x3004000C
    for key, value in tags.items():
        setattr(ds, key, value)
    if bits == 1:
        ds.PixelData = pack_bits(stored)
    elif syntax == RLELossless:
        frame_list = stored if multi else stored[None]
        ds.PixelData = encapsulate([_rle(f, bits, samples) for f in frame_list])
        ds["PixelData"].VR = "OB"
    else:
        order = ">" if syntax == ExplicitVRBigEndian else "<"
        ds.PixelData = np.ascontiguousarray(stored).astype(stored.dtype.newbyteorder(order)).tobytes()
        ds["PixelData"].VR = "OB" if bits == 8 else "OW"
    ds.save_as(path, enforce_file_format=True)
    return ds


def _rle(frame: np.ndarray, bits: int, samples: int) -> bytes:
    """pydicom's own RLE encoder on one frame (its public API refuses 32-bit samples)."""
    runner = types.SimpleNamespace(bits_allocated=bits, samples_per_pixel=samples,
                                   columns=frame.shape[1], get_option=lambda key, default=None: default)
    return _encode_frame(np.ascontiguousarray(frame).astype(frame.dtype.newbyteorder("<")).tobytes(), runner)


def pydicom_values(path) -> np.ndarray:
    """pydicom's pixel_array through its Modality LUT (slope/intercept or LUT), and
    DoseGridScaling for RT dose: (frames, rows, columns[, samples])."""
    ds = pydicom.dcmread(path)
    values = ds.pixel_array
    if "DoseGridScaling" in ds:
        values = values * float(ds.DoseGridScaling)
    elif "ModalityLUTSequence" in ds or "RescaleSlope" in ds:
        values = apply_modality_lut(values, ds)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.SamplesPerPixel)
    if frames == 1 and values.ndim == (3 if samples > 1 else 2):
        values = values[None]
    return values


def modality_lut(ds: Dataset, first: int, table: np.ndarray) -> None:
    """Give ``ds`` a Modality LUT Sequence mapping stored ``first + i`` to ``table[i]`` (16 bit)."""
    item = Dataset()
    item.LUTDescriptor = [len(table), first, 16]
    item.ModalityLUTType = "HU"
    item.LUTData = [int(v) for v in table]
    item["LUTDescriptor"].VR = item["LUTData"].VR = "US"
    ds.ModalityLUTSequence = [item]

"""DICOM test data written by the tests themselves (SimpleITK for the files, pydicom to
recompress or edit them). Geometry is given by the caller; nothing here reads it back."""

from __future__ import annotations

import os

import numpy as np
import pydicom
import SimpleITK as sitk
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    RLELossless,
    generate_uid,
)

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"


def slice_positions(origin, direction, dz: float, count: int) -> np.ndarray:
    """(count, 3) ImagePositionPatient of a regular stack: origin + k * dz * normal."""
    normal = np.asarray(direction)[:, 2]
    return np.asarray(origin, dtype=float) + np.outer(np.arange(count) * dz, normal)


def write_series(
    folder, volume: np.ndarray, *, spacing_xy, positions, direction, series_uid=None,
    study_uid="1.2.826.0.1.3680043.8.498.1", description="test series", modality="CT",
    order=None, seed=0, compressor=None, tags=None,
) -> list[str]:
    """Write ``volume`` (z, y, x) as one file per slice; return the paths in z order.

    ``positions`` (z, 3) are written as ImagePositionPatient; ``direction`` (3, 3) gives
    ImageOrientationPatient from its first two columns. File names and InstanceNumbers
    are shuffled (``order``, or a seeded permutation) so neither follows the z order.
    """
    os.makedirs(folder, exist_ok=True)
    series_uid = series_uid or generate_uid()
    count = volume.shape[0]
    order = np.random.default_rng(seed).permutation(count) if order is None else np.asarray(order)
    instance = np.random.default_rng(seed + 1).permutation(count) + 1
    direction = np.asarray(direction, dtype=float)
    iop = np.concatenate([direction[:, 0], direction[:, 1]])
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    if compressor:
        writer.SetUseCompression(True)
        writer.SetCompressor(compressor)
    paths = []
    for k in range(count):
        image = sitk.GetImageFromArray(volume[k])
        # GDCM writes PixelSpacing from the image's own spacing, not from the tag.
        image.SetSpacing([float(s) for s in spacing_xy])
        values = {
            "0008|0016": CT_IMAGE, "0008|0018": generate_uid(), "0008|0060": modality,
            "0008|103e": description, "0020|000d": study_uid, "0020|000e": series_uid,
            "0020|0013": str(int(instance[k])), "0020|0032": _ds(positions[k]),
            "0020|0037": _ds(iop), "0028|0030": _ds([spacing_xy[1], spacing_xy[0]]),
            "0018|5100": "HFS", "0028|1050": "40", "0028|1051": "400",
        }
        values.update(tags or {})
        for key, value in values.items():
            image.SetMetaData(key, value)
        path = os.path.join(os.fspath(folder), f"img{int(order[k]):04d}.dcm")
        writer.SetFileName(path)
        writer.Execute(image)
        paths.append(path)
    return paths


def _ds(values) -> str:
    return "\\".join(f"{float(v):.10g}" for v in values)


def edit(path, **attributes) -> None:
    """Set DICOM attributes by keyword (pydicom) and save in place."""
    ds = pydicom.dcmread(path)
    for key, value in attributes.items():
        setattr(ds, key, value)
    ds.save_as(path)


def recode(path, syntax: str) -> None:
    """Re-encode one file in place: "RLE" (pydicom's own encoder) or "deflate"."""
    ds = pydicom.dcmread(path)
    if syntax == "RLE":
        ds.compress(RLELossless, encoding_plugin="pydicom")
        ds.save_as(path)
    elif syntax == "deflate":
        ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
        ds.save_as(path, enforce_file_format=True)
    else:
        raise ValueError(syntax)


def encapsulate_frame(path, frame: bytes, syntax: str) -> None:
    """Replace ``path``'s pixel data by one encapsulated ``frame`` of transfer ``syntax``."""
    ds = pydicom.dcmread(path)
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, enforce_file_format=True)


def jpeg_baseline_series(folder, volume8: np.ndarray, **kwargs) -> list[str]:
    """8-bit slices as JPEG baseline (lossy): libjpeg via SimpleITK's JPEG writer, then
    wrapped into DICOM with pydicom (neither writes JPEG baseline DICOM by itself)."""
    paths = write_series(folder, volume8, **kwargs)
    for k, path in enumerate(paths):
        jpg = path + ".jpg"
        sitk.WriteImage(sitk.GetImageFromArray(volume8[k]), jpg)
        with open(jpg, "rb") as stream:
            encapsulate_frame(path, stream.read(), JPEGBaseline8Bit)
        os.remove(jpg)
    return paths


def multiframe(path, volume: np.ndarray, *, sop_class: str, origin, direction, spacing,
               enhanced: bool, modality: str) -> None:
    """A multi-frame file (z, y, x) uint16: RT dose (GridFrameOffsetVector) or enhanced MR
    (per-frame PlanePositionSequence, shared PixelMeasures and PlaneOrientation)."""
    nz, ny, nx = volume.shape
    direction = np.asarray(direction, dtype=float)
    iop = [float(v) for v in np.concatenate([direction[:, 0], direction[:, 1]])]
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID, ds.StudyInstanceUID = generate_uid(), generate_uid()
    ds.FrameOfReferenceUID = generate_uid()
    ds.Modality = modality
    ds.Rows, ds.Columns, ds.NumberOfFrames = ny, nx, nz
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    spacing_yx = [float(spacing[1]), float(spacing[0])]
    if enhanced:
        measures, plane = Dataset(), Dataset()
        measures.PixelSpacing, measures.SliceThickness = spacing_yx, float(spacing[2])
        measures.SpacingBetweenSlices = float(spacing[2])
        plane.ImageOrientationPatient = iop
        shared = Dataset()
        shared.PixelMeasuresSequence, shared.PlaneOrientationSequence = [measures], [plane]
        ds.SharedFunctionalGroupsSequence = [shared]
        frames = []
        for position in slice_positions(origin, direction, spacing[2], nz):
            frame, plane_position = Dataset(), Dataset()
            plane_position.ImagePositionPatient = [float(v) for v in position]
            frame.PlanePositionSequence = [plane_position]
            frames.append(frame)
        ds.PerFrameFunctionalGroupsSequence = frames
    else:
        ds.ImagePositionPatient = [float(v) for v in origin]
        ds.ImageOrientationPatient = iop
        ds.PixelSpacing = spacing_yx
        ds.GridFrameOffsetVector = [float(k * spacing[2]) for k in range(nz)]
        ds.FrameIncrementPointer = 0x3004000C
        ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
        ds.DoseGridScaling = 0.5
    ds.PixelData = np.ascontiguousarray(volume, dtype="<u2").tobytes()
    ds.save_as(path, enforce_file_format=True)


def colour_file(path, rgb: np.ndarray, photometric: str) -> None:
    """One uncompressed colour slice (y, x, 3) uint8 stored as RGB or YBR_FULL."""
    from pydicom.pixels import convert_color_space

    ny, nx, _ = rgb.shape
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID = generate_uid()
    ds.SeriesInstanceUID, ds.StudyInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "OT"
    ds.Rows, ds.Columns = ny, nx
    ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PhotometricInterpretation = photometric
    stored = rgb if photometric == "RGB" else convert_color_space(rgb, "RGB", photometric)
    ds.PixelData = np.ascontiguousarray(stored).tobytes()
    ds.save_as(path, enforce_file_format=True)

"""DICOM sources (dicom/source.py): native slices read raw and checked against GDCM once,
compressed transfer syntaxes, rescale and stored bits as SimpleITK, sub-extents, multi-frame
and colour files, and a slice GDCM cannot decode.

The series and its check: dicomcase.py.
"""

from __future__ import annotations

import os
import threading

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

import dicomgen
import sitkvtk
from dicomcase import DX, DY, DZ, ORIGIN, SHAPE, R, check_grid, field, make_series, read_strict
from sitkvtk.dicom import source
from synthetic import corners, index_values, vtk_values, vtk_world

COMPRESSED = {
    "1.2.840.10008.1.2.4.70": ("sitk", "JPEG"),  # JPEG lossless, first-order prediction
    "1.2.840.10008.1.2.4.90": ("sitk", "JPEG2000"),  # JPEG 2000 lossless
    "1.2.840.10008.1.2.5": ("pydicom", "RLE"),
    "1.2.840.10008.1.2.1.99": ("pydicom", "deflate"),
}


@pytest.mark.parametrize("dtype", ["int16", "uint16", "uint8"])
@pytest.mark.parametrize("syntax", list(COMPRESSED))
def test_compressed_series(tmp_path, syntax, dtype):
    tool, name = COMPRESSED[syntax]
    volume = index_values(SHAPE, 1, np.float64)
    volume = (volume % 251 if dtype == "uint8" else volume).astype(dtype)
    _, positions, paths = make_series(tmp_path, volume, compressor=name if tool == "sitk" else None)
    if tool == "pydicom":
        for path in paths:
            dicomgen.recode(path, name)
    assert {pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID for p in paths} == {syntax}
    check_grid(read_strict(tmp_path), positions, volume)


def test_jpeg_baseline_series(tmp_path):
    volume = (index_values(SHAPE, 1, np.float64) % 200).astype(np.uint8)
    positions = dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0])
    paths = dicomgen.jpeg_baseline_series(tmp_path, volume, spacing_xy=(DX, DY),
                                          positions=positions, direction=R)
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"
    decoded = np.stack([sitk.GetArrayFromImage(sitk.ReadImage(p)).reshape(SHAPE[1:]) for p in paths])
    assert np.abs(decoded.astype(int) - volume).max() <= 8  # lossy, but this image
    check_grid(read_strict(tmp_path), positions, decoded)


@pytest.mark.parametrize("damage", ["garbage JPEG-LS", "truncated JPEG 2000"])
def test_undecodable_slice_is_a_read_error(tmp_path, damage):
    _, _, paths = make_series(tmp_path, compressor="JPEG2000" if "2000" in damage else None)
    if damage == "garbage JPEG-LS":
        dicomgen.encapsulate_frame(paths[4], b"\xff\xd8" + bytes(range(256)) * 4, "1.2.840.10008.1.2.4.80")
    else:
        ds = pydicom.dcmread(paths[4])
        frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
        dicomgen.encapsulate_frame(paths[4], frame[: len(frame) // 2], "1.2.840.10008.1.2.4.90")
    # Refused before GDCM sees it (dicom/checks.py), or by GDCM: either way it names the slice.
    with pytest.raises(sitkvtk.ReadError, match="GDCM cannot decode the pixel data|codestream") as error:
        sitkvtk.read(tmp_path)
    assert error.value.filename == paths[4]


RESCALES = [
    dict(RescaleSlope="1", RescaleIntercept="-1024"),
    dict(RescaleSlope="2", RescaleIntercept="0"),
    dict(RescaleSlope="0.5", RescaleIntercept="0.25"),
    dict(BitsStored=12, HighBit=11),  # signed 12-bit: high bits masked, sign extended
    dict(BitsStored=12, HighBit=11, PixelRepresentation=0),
    dict(BitsStored=12, HighBit=11, RescaleSlope="1", RescaleIntercept="-1024"),
]


@pytest.mark.parametrize("tags", RESCALES, ids=lambda t: ",".join(f"{k}={v}" for k, v in t.items()))
def test_rescale_and_stored_bits_as_simpleitk(tmp_path, tags, monkeypatch):
    _, positions, paths = make_series(tmp_path)
    for path in paths:
        dicomgen.edit(path, **tags)
    series = sitk.ImageSeriesReader()
    series.SetFileNames(paths)
    expected = series.Execute()
    calls = _count_gdcm(monkeypatch)
    image = read_strict(tmp_path)
    assert len(calls) == 1  # the raw reads agreed with GDCM on the slice checked
    values = vtk_values(image)
    assert values.dtype == sitk.GetArrayViewFromImage(expected).dtype
    np.testing.assert_array_equal(values, sitk.GetArrayViewFromImage(expected))
    assert field(image, "DICOM_RescaleSlope") == tags.get("RescaleSlope", "1")


def test_rescale_that_varies_per_slice(tmp_path):
    _, _, paths = make_series(tmp_path)
    for k, path in enumerate(paths):
        dicomgen.edit(path, RescaleSlope="1", RescaleIntercept=str(-1000 * k))
    image = read_strict(tmp_path)
    expected = np.stack([sitk.GetArrayFromImage(sitk.ReadImage(p)).reshape(SHAPE[1:]) for p in paths])
    np.testing.assert_array_equal(vtk_values(image), expected)
    assert field(image, "DICOM_RescaleIntercept") == "varies per slice"


def _count_gdcm(monkeypatch) -> list[str]:
    calls = []
    original = source.decode_slice
    monkeypatch.setattr(source, "decode_slice", lambda info, *a: calls.append(info.path) or original(info, *a))
    return calls


def test_native_slices_are_read_raw_and_checked_once(tmp_path, monkeypatch):
    volume, positions, _ = make_series(tmp_path)
    calls = _count_gdcm(monkeypatch)
    check_grid(read_strict(tmp_path), positions, volume)
    assert len(calls) == 1  # GDCM decodes one slice, to check the raw reads against


def test_sub_extent_reads_only_its_slices(tmp_path, monkeypatch):
    volume, positions, paths = make_series(tmp_path)
    read = []
    original = source.read_native
    monkeypatch.setattr(source, "read_native",
                        lambda info, *a, **k: read.append(info.path) or original(info, *a, **k))
    image = read_strict(tmp_path, extent=(3, 20, 5, 30, 2, 3))
    assert set(read) == {paths[2], paths[3]}
    assert image.GetExtent() == (3, 20, 5, 30, 2, 3)
    np.testing.assert_array_equal(vtk_values(image), volume[2:4, 5:31, 3:21])
    for i, j, k in corners((18, 26, 2)):
        expected = positions[k + 2] + (i + 3) * R[:, 0] * DX + (j + 5) * R[:, 1] * DY
        np.testing.assert_allclose(vtk_world(image, (i + 3, j + 5, k + 2)), expected, atol=1e-5)


@pytest.mark.parametrize("kind", ["rtdose", "enhanced-mr"])
def test_multiframe_file(tmp_path, kind):
    volume = index_values(SHAPE, 1, np.uint16)
    path = tmp_path / f"{kind}.dcm"
    sop = "1.2.840.10008.5.1.4.1.1.481.2" if kind == "rtdose" else "1.2.840.10008.5.1.4.1.1.4.1"
    dicomgen.multiframe(path, volume, sop_class=sop, origin=ORIGIN, direction=R,
                        spacing=(DX, DY, DZ), enhanced=kind != "rtdose",
                        modality="RTDOSE" if kind == "rtdose" else "MR")
    image = read_strict(path)
    expected = volume * 0.5 if kind == "rtdose" else volume  # DoseGridScaling applied: Gy
    check_grid(image, dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0]), expected)
    assert field(image, "DICOM_Modality") == ("RTDOSE" if kind == "rtdose" else "MR")
    if kind == "rtdose":
        assert float(field(image, "DICOM_DoseGridScaling")) == 0.5
    # The same file in a folder is found and read the same way.
    check_grid(read_strict(tmp_path), dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0]), expected)


@pytest.mark.parametrize("photometric", ["RGB", "YBR_FULL"])
def test_colour_file(tmp_path, photometric):
    rgb = (index_values((20, 24, 3), 1, np.float64) % 256).astype(np.uint8).reshape(20, 24, 3)
    rgb[..., 1] = 255 - rgb[..., 1]
    dicomgen.colour_file(tmp_path / "c.dcm", rgb, photometric)
    image = read_strict(tmp_path / "c.dcm")
    assert image.GetPointData().GetScalars().GetNumberOfComponents() == 3
    values = vtk_values(image)[0].astype(int)
    tolerance = 0 if photometric == "RGB" else 1  # YBR -> RGB rounds
    assert np.abs(values - rgb).max() <= tolerance


@pytest.mark.parametrize("syntax", ["JPEG2000", "RLE"])
def test_compressed_slices_decoded_on_several_threads_equal_simpleitk(tmp_path, syntax, monkeypatch):
    volume = index_values((9,) + SHAPE[1:], 1, np.int16)
    _, positions, paths = make_series(tmp_path, volume, compressor="JPEG2000" if syntax == "JPEG2000" else None)
    if syntax == "RLE":
        for path in paths:
            dicomgen.recode(path, "RLE")
    assert all(pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID.is_compressed for p in paths)
    threads = set()
    decode = source.decode_slice

    def recorded(*args):
        threads.add(threading.get_ident())
        return decode(*args)

    monkeypatch.setattr(source, "decode_slice", recorded)
    image = read_strict(tmp_path)
    check_grid(image, positions, volume)
    by_simpleitk = np.stack([sitk.GetArrayFromImage(sitk.ReadImage(p)).reshape(SHAPE[1:]) for p in paths])
    np.testing.assert_array_equal(vtk_values(image), by_simpleitk)  # paths are in z order
    if len(os.sched_getaffinity(0)) > 1:
        assert len(threads) > 1  # the slices were decoded on more than one thread

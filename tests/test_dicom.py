"""DICOM series, single files, multi-frame and colour files, compressed transfer syntaxes.

Every series is written by the test (dicomgen) on an oblique, off-origin, anisotropic
grid with voxels that encode their index, in files whose names and InstanceNumbers do
not follow the slice order. Expected world positions are computed here from what was
written: ImagePositionPatient of slice k + i * row * dx + j * column * dy.
"""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

import dicomgen
import sitkvtk
from sitkvtk import dicomsource
from sitkvtk.dicom import DicomWarning
from sitkvtk.dicomfile import parse
from sitkvtk.sources import open_source
from synthetic import corners, index_values, rotation_3d, vtk_values, vtk_world

R = rotation_3d()
DX, DY, DZ = 0.7, 1.3, 2.1
ORIGIN = np.array([-12.5, 33.25, -7.75])
SHAPE = (6, 32, 40)  # z, y, x: JPEG 2000 in this GDCM needs slices bigger than a few pixels


def _series(folder, volume=None, positions=None, direction=R, **kwargs):
    volume = index_values(SHAPE, 1, np.int16) if volume is None else volume
    if positions is None:
        positions = dicomgen.slice_positions(ORIGIN, direction, DZ, volume.shape[0])
    paths = dicomgen.write_series(folder, volume, spacing_xy=(DX, DY), positions=positions,
                                  direction=direction, **kwargs)
    return volume, positions, paths


def _check_grid(image, positions, volume, direction=R, atol=1e-5):
    """World position of every corner from IPP/IOP/PixelSpacing, and every voxel."""
    nz, ny, nx = volume.shape[:3]
    assert image.GetDimensions() == (nx, ny, nz)
    row, col = np.asarray(direction)[:, 0], np.asarray(direction)[:, 1]
    for i, j, k in corners((nx, ny, nz)):
        expected = positions[k] + i * row * DX + j * col * DY
        np.testing.assert_allclose(vtk_world(image, (i, j, k)), expected, atol=atol)
    np.testing.assert_array_equal(vtk_values(image), volume)


def _field(image, name):
    array = image.GetFieldData().GetAbstractArray(name)
    assert array is not None, f"no field data {name}"
    return array.GetValue(0)


def _read(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DicomWarning)  # a regular series must not warn
        return sitkvtk.read(path, **kwargs)


@pytest.mark.parametrize("step", [DZ, -DZ], ids=["ascending", "descending"])
def test_oblique_shuffled_folder(tmp_path, step):
    volume = index_values(SHAPE, 1, np.int16)
    positions = dicomgen.slice_positions(ORIGIN, R, step, SHAPE[0])
    _, _, paths = _series(tmp_path, volume, positions)
    assert sorted(paths) != paths  # file names do not follow the slice order
    image = _read(tmp_path)
    if step < 0:  # the grid runs along +normal: the last written slice comes first
        positions, volume = positions[::-1], volume[::-1]
    _check_grid(image, positions, volume)
    np.testing.assert_allclose(image.GetSpacing(), (DX, DY, DZ), atol=1e-6)


def test_file_opens_its_series_unless_switched_off(tmp_path):
    volume, positions, paths = _series(tmp_path)
    _check_grid(_read(paths[3]), positions, volume)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(paths[3])
    assert reader.GetWholeSeries()
    reader.SetWholeSeries(False)
    reader.Update()
    assert reader.last_error is None
    _check_grid(reader.GetOutputDataObject(0), positions[3:4], volume[3:4])


def test_folder_with_two_series(tmp_path):
    volume_a, positions_a, _ = _series(tmp_path, series_uid="1.2.3.4.100", description="alpha")
    other = rotation_3d(-0.2, 0.4, 1.1)
    volume_b = index_values((3, 20, 24), 1, np.int16) + 1000
    positions_b = dicomgen.slice_positions([5.0, -3.0, 40.0], other, DZ, 3)
    dicomgen.write_series(tmp_path / "b", volume_b, spacing_xy=(DX, DY), positions=positions_b,
                          direction=other, series_uid="1.2.3.4.200", description="beta",
                          modality="MR")
    for path in (tmp_path / "b").iterdir():
        shutil.move(path, tmp_path / ("b_" + path.name))
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    assert reader.GetSeriesIDs() == ["1.2.3.4.100", "1.2.3.4.200"]  # most slices first
    assert reader.GetSeriesDescriptions() == ['CT "alpha" 6 slices 40x32', 'MR "beta" 3 slices 24x20']
    reader.Update()
    _check_grid(reader.GetOutputDataObject(0), positions_a, volume_a)
    reader.SetSeriesID("1.2.3.4.200")
    reader.Update()
    image = reader.GetOutputDataObject(0)
    _check_grid(image, positions_b, volume_b, direction=other)
    assert _field(image, "DICOM_SeriesDescription") == "beta"
    with pytest.raises(sitkvtk.ReadError, match=r"no series '9\.9'.*1\.2\.3\.4\.100.*1\.2\.3\.4\.200"):
        open_source(str(tmp_path), series_id="9.9")


def test_missing_slice_is_left_blank_and_others_keep_their_place(tmp_path):
    volume, positions, paths = _series(tmp_path, series_uid="1.2.3.4.5")
    os.remove(paths[2])
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.5: 1 missing slices"):
        image = sitkvtk.read(tmp_path)
    expected = volume.copy()
    expected[2] = 0
    _check_grid(image, positions, expected)
    assert "missing" in _field(image, "DICOM_Warnings")


def test_duplicate_positions_keep_the_lowest_instance_number(tmp_path):
    volume, positions, paths = _series(tmp_path, series_uid="1.2.3.4.6")
    shutil.copy(paths[2], tmp_path / "zz_duplicate.dcm")
    dicomgen.edit(tmp_path / "zz_duplicate.dcm", InstanceNumber=999, SOPInstanceUID="1.2.3.4.6.999",
                  PixelData=(volume[2] + 7).tobytes())
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.6: 1 slices share a position"):
        image = sitkvtk.read(tmp_path)
    _check_grid(image, positions, volume)


def test_non_uniform_spacing_keeps_first_and_last_exact(tmp_path):
    steps = np.array([0, 2.1, 4.2, 6.9, 9.0, 11.1])
    positions = ORIGIN + np.outer(steps, R[:, 2])
    volume, _, _ = _series(tmp_path, positions=positions, series_uid="1.2.3.4.7")
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.7: non-uniform slice spacing.*up to 0\.24 mm"):
        image = sitkvtk.read(tmp_path)
    assert image.GetSpacing()[2] == pytest.approx(11.1 / 5)
    for index in [(0, 0, 0), (39, 31, 0), (0, 0, 5), (39, 31, 5)]:
        i, j, k = index
        expected = positions[k] + i * R[:, 0] * DX + j * R[:, 1] * DY
        np.testing.assert_allclose(vtk_world(image, index), expected, atol=1e-5)
    np.testing.assert_array_equal(vtk_values(image), volume)


def test_mixed_orientations_are_refused(tmp_path):
    _series(tmp_path, series_uid="1.2.3.4.8")
    extra = tmp_path / "extra"
    _series(extra, series_uid="1.2.3.4.8", direction=rotation_3d(0.1, 0.2, 0.3))
    for path in extra.iterdir():
        shutil.move(path, tmp_path / ("x_" + path.name))
    with pytest.raises(sitkvtk.ReadError, match=r"series 1\.2\.3\.4\.8: its slices have 2 different orientations"):
        sitkvtk.read(tmp_path)


# transfer syntax -> how the test makes it (SimpleITK compressor or pydicom re-encoding)
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
    _, positions, paths = _series(tmp_path, volume, compressor=name if tool == "sitk" else None)
    if tool == "pydicom":
        for path in paths:
            dicomgen.recode(path, name)
    assert {pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID for p in paths} == {syntax}
    _check_grid(_read(tmp_path), positions, volume)


def test_jpeg_baseline_series(tmp_path):
    volume = (index_values(SHAPE, 1, np.float64) % 200).astype(np.uint8)
    positions = dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0])
    paths = dicomgen.jpeg_baseline_series(tmp_path, volume, spacing_xy=(DX, DY),
                                          positions=positions, direction=R)
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"
    decoded = np.stack([sitk.GetArrayFromImage(sitk.ReadImage(p)).reshape(SHAPE[1:]) for p in paths])
    assert np.abs(decoded.astype(int) - volume).max() <= 8  # lossy, but this image
    _check_grid(_read(tmp_path), positions, decoded)


@pytest.mark.parametrize("damage", ["garbage JPEG-LS", "truncated JPEG 2000"])
def test_undecodable_slice_is_a_read_error(tmp_path, damage):
    _, _, paths = _series(tmp_path, compressor="JPEG2000" if "2000" in damage else None)
    if damage == "garbage JPEG-LS":
        dicomgen.encapsulate_frame(paths[4], b"\xff\xd8" + bytes(range(256)) * 4, "1.2.840.10008.1.2.4.80")
    else:
        ds = pydicom.dcmread(paths[4])
        frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
        dicomgen.encapsulate_frame(paths[4], frame[: len(frame) // 2], "1.2.840.10008.1.2.4.90")
    with pytest.raises(sitkvtk.ReadError, match="GDCM cannot decode the pixel data") as error:
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
    _, positions, paths = _series(tmp_path)
    for path in paths:
        dicomgen.edit(path, **tags)
    series = sitk.ImageSeriesReader()
    series.SetFileNames(paths)
    expected = series.Execute()
    calls = _count_gdcm(monkeypatch)
    image = _read(tmp_path)
    assert len(calls) == 1  # the raw reads agreed with GDCM on the slice checked
    values = vtk_values(image)
    assert values.dtype == sitk.GetArrayViewFromImage(expected).dtype
    np.testing.assert_array_equal(values, sitk.GetArrayViewFromImage(expected))
    assert _field(image, "DICOM_RescaleSlope") == tags.get("RescaleSlope", "1")


def test_rescale_that_varies_per_slice(tmp_path):
    _, _, paths = _series(tmp_path)
    for k, path in enumerate(paths):
        dicomgen.edit(path, RescaleSlope="1", RescaleIntercept=str(-1000 * k))
    image = _read(tmp_path)
    expected = np.stack([sitk.GetArrayFromImage(sitk.ReadImage(p)).reshape(SHAPE[1:]) for p in paths])
    np.testing.assert_array_equal(vtk_values(image), expected)
    assert _field(image, "DICOM_RescaleIntercept") == "varies per slice"


def _count_gdcm(monkeypatch) -> list[str]:
    calls = []
    original = dicomsource._gdcm_slice
    monkeypatch.setattr(dicomsource, "_gdcm_slice", lambda info, *a: calls.append(info.path) or original(info, *a))
    return calls


def test_native_slices_are_read_raw_and_checked_once(tmp_path, monkeypatch):
    volume, positions, _ = _series(tmp_path)
    calls = _count_gdcm(monkeypatch)
    _check_grid(_read(tmp_path), positions, volume)
    assert len(calls) == 1  # GDCM decodes one slice, to check the raw reads against


def test_sub_extent_reads_only_its_slices(tmp_path, monkeypatch):
    volume, positions, paths = _series(tmp_path)
    read = []
    original = dicomsource.read_native
    monkeypatch.setattr(dicomsource, "read_native",
                        lambda info, *a, **k: read.append(info.path) or original(info, *a, **k))
    image = _read(tmp_path, extent=(3, 20, 5, 30, 2, 3))
    assert set(read) == {paths[2], paths[3]}
    assert image.GetExtent() == (3, 20, 5, 30, 2, 3)
    np.testing.assert_array_equal(vtk_values(image), volume[2:4, 5:31, 3:21])
    for i, j, k in corners((18, 26, 2)):
        expected = positions[k + 2] + (i + 3) * R[:, 0] * DX + (j + 5) * R[:, 1] * DY
        np.testing.assert_allclose(vtk_world(image, (i + 3, j + 5, k + 2)), expected, atol=1e-5)


def test_series_tags_are_field_data(tmp_path):
    _, positions, _ = _series(tmp_path, series_uid="1.2.3.4.9", description="tagged")
    image = _read(tmp_path)
    assert _field(image, "DICOM_Modality") == "CT"
    assert _field(image, "DICOM_SeriesInstanceUID") == "1.2.3.4.9"
    assert _field(image, "DICOM_StudyInstanceUID") == "1.2.826.0.1.3680043.8.498.1"
    assert _field(image, "DICOM_SeriesDescription") == "tagged"
    assert _field(image, "DICOM_PatientPosition") == "HFS"
    assert (_field(image, "DICOM_WindowCenter"), _field(image, "DICOM_WindowWidth")) == ("40", "400")
    iop = [float(v) for v in _field(image, "DICOM_ImageOrientationPatient").split("\\")]
    np.testing.assert_allclose(iop, np.concatenate([R[:, 0], R[:, 1]]), atol=1e-9)
    assert _field(image, "DICOM_NumberOfFiles") == "6"


@pytest.mark.parametrize("kind", ["rtdose", "enhanced-mr"])
def test_multiframe_file(tmp_path, kind):
    volume = index_values(SHAPE, 1, np.uint16)
    path = tmp_path / f"{kind}.dcm"
    sop = "1.2.840.10008.5.1.4.1.1.481.2" if kind == "rtdose" else "1.2.840.10008.5.1.4.1.1.4.1"
    dicomgen.multiframe(path, volume, sop_class=sop, origin=ORIGIN, direction=R,
                        spacing=(DX, DY, DZ), enhanced=kind != "rtdose",
                        modality="RTDOSE" if kind == "rtdose" else "MR")
    image = _read(path)
    _check_grid(image, dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0]), volume)
    assert _field(image, "DICOM_Modality") == ("RTDOSE" if kind == "rtdose" else "MR")
    if kind == "rtdose":  # SimpleITK does not scale dose: the factor is passed on
        assert float(_field(image, "DICOM_DoseGridScaling")) == 0.5
    # The same file in a folder is found and read the same way.
    _check_grid(_read(tmp_path), dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0]), volume)


@pytest.mark.parametrize("photometric", ["RGB", "YBR_FULL"])
def test_colour_file(tmp_path, photometric):
    rgb = (index_values((20, 24, 3), 1, np.float64) % 256).astype(np.uint8).reshape(20, 24, 3)
    rgb[..., 1] = 255 - rgb[..., 1]
    dicomgen.colour_file(tmp_path / "c.dcm", rgb, photometric)
    image = _read(tmp_path / "c.dcm")
    assert image.GetPointData().GetScalars().GetNumberOfComponents() == 3
    values = vtk_values(image)[0].astype(int)
    tolerance = 0 if photometric == "RGB" else 1  # YBR -> RGB rounds
    assert np.abs(values - rgb).max() <= tolerance


def test_parser_agrees_with_pydicom_past_undefined_length_sequences(tmp_path):
    _, _, paths = _series(tmp_path)
    ds = pydicom.dcmread(paths[0])
    item = pydicom.Dataset()
    item.CodeValue, item.CodeMeaning = "123", "nested"
    ds.ProcedureCodeSequence = [item]
    ds["ProcedureCodeSequence"].is_undefined_length = True
    for syntax in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        ds.file_meta.TransferSyntaxUID = syntax
        ds.save_as(paths[0], enforce_file_format=True)
        info = parse(paths[0])
        assert info.transfer_syntax == syntax
        assert info.get("ImagePositionPatient") == "\\".join(str(v) for v in ds.ImagePositionPatient)
        assert info.get("Rows") == str(ds.Rows)
        with open(paths[0], "rb") as stream:
            stream.seek(info.pixel_offset)
            assert stream.read() [: len(ds.PixelData)] == ds.PixelData


def test_not_dicom(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(sitkvtk.ReadError, match="no DICOM image files"):
        sitkvtk.read(tmp_path)
    _series(tmp_path / "s")
    (tmp_path / "s" / "DICOMDIR.txt").write_text("ignored")
    assert _read(tmp_path / "s").GetDimensions() == (40, 32, 6)

"""DICOM series (dicom/series.py): a folder's series found, their slices ordered and placed,
gaps, duplicates and uneven spacing handled, the series tags passed on (mixed orientations:
test_dicom_stacks.py).

The series and its check: dicomcase.py. Decoding slices: test_dicom_source.py.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import dicomgen
import sitkvtk
from dicomcase import DX, DY, DZ, ORIGIN, SHAPE, R, check_grid, field, make_series, read_strict
from sitkvtk.dicom.series import DicomWarning
from sitkvtk.sources.dispatch import open_source
from synthetic import index_values, rotation_3d, vtk_values, vtk_world


@pytest.mark.parametrize("step", [DZ, -DZ], ids=["ascending", "descending"])
def test_oblique_shuffled_folder(tmp_path, step):
    volume = index_values(SHAPE, 1, np.int16)
    positions = dicomgen.slice_positions(ORIGIN, R, step, SHAPE[0])
    _, _, paths = make_series(tmp_path, volume, positions)
    assert sorted(paths) != paths  # file names do not follow the slice order
    image = read_strict(tmp_path)
    if step < 0:  # the grid runs along +normal: the last written slice comes first
        positions, volume = positions[::-1], volume[::-1]
    check_grid(image, positions, volume)
    np.testing.assert_allclose(image.GetSpacing(), (DX, DY, DZ), atol=1e-6)


def test_file_opens_its_series_unless_switched_off(tmp_path):
    volume, positions, paths = make_series(tmp_path)
    check_grid(read_strict(paths[3]), positions, volume)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(paths[3])
    assert reader.GetWholeSeries()
    reader.SetWholeSeries(False)
    reader.Update()
    assert reader.last_error is None
    check_grid(reader.GetOutputDataObject(0), positions[3:4], volume[3:4])


def test_folder_with_two_series(tmp_path):
    volume_a, positions_a, _ = make_series(tmp_path, series_uid="1.2.3.4.100", description="alpha")
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
    check_grid(reader.GetOutputDataObject(0), positions_a, volume_a)
    reader.SetSeriesID("1.2.3.4.200")
    reader.Update()
    image = reader.GetOutputDataObject(0)
    check_grid(image, positions_b, volume_b, direction=other)
    assert field(image, "DICOM_SeriesDescription") == "beta"
    with pytest.raises(sitkvtk.ReadError, match=r"no series '9\.9'.*1\.2\.3\.4\.100.*1\.2\.3\.4\.200"):
        open_source(str(tmp_path), series_id="9.9")


def test_missing_slice_is_left_blank_and_others_keep_their_place(tmp_path):
    volume, positions, paths = make_series(tmp_path, series_uid="1.2.3.4.5")
    os.remove(paths[2])
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.5: 1 missing slices"):
        image = sitkvtk.read(tmp_path)
    expected = volume.copy()
    expected[2] = 0
    check_grid(image, positions, expected)
    assert "missing" in field(image, "DICOM_Warnings")


def test_duplicate_positions_keep_the_lowest_instance_number(tmp_path):
    volume, positions, paths = make_series(tmp_path, series_uid="1.2.3.4.6")
    shutil.copy(paths[2], tmp_path / "zz_duplicate.dcm")
    dicomgen.edit(tmp_path / "zz_duplicate.dcm", InstanceNumber=999, SOPInstanceUID="1.2.3.4.6.999",
                  PixelData=(volume[2] + 7).tobytes())
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.6: 1 slices share a position"):
        image = sitkvtk.read(tmp_path)
    check_grid(image, positions, volume)


def test_non_uniform_spacing_keeps_first_and_last_exact(tmp_path):
    steps = np.array([0, 2.1, 4.2, 6.9, 9.0, 11.1])
    positions = ORIGIN + np.outer(steps, R[:, 2])
    volume, _, _ = make_series(tmp_path, positions=positions, series_uid="1.2.3.4.7")
    with pytest.warns(DicomWarning, match=r"series 1\.2\.3\.4\.7: non-uniform slice spacing.*up to 0\.24 mm"):
        image = sitkvtk.read(tmp_path)
    assert image.GetSpacing()[2] == pytest.approx(11.1 / 5)
    for index in [(0, 0, 0), (39, 31, 0), (0, 0, 5), (39, 31, 5)]:
        i, j, k = index
        expected = positions[k] + i * R[:, 0] * DX + j * R[:, 1] * DY
        np.testing.assert_allclose(vtk_world(image, index), expected, atol=1e-5)
    np.testing.assert_array_equal(vtk_values(image), volume)


def test_series_tags_are_field_data(tmp_path):
    _, positions, _ = make_series(tmp_path, series_uid="1.2.3.4.9", description="tagged")
    image = read_strict(tmp_path)
    assert field(image, "DICOM_Modality") == "CT"
    assert field(image, "DICOM_SeriesInstanceUID") == "1.2.3.4.9"
    assert field(image, "DICOM_StudyInstanceUID") == "1.2.826.0.1.3680043.8.498.1"
    assert field(image, "DICOM_SeriesDescription") == "tagged"
    assert field(image, "DICOM_PatientPosition") == "HFS"
    assert (field(image, "DICOM_WindowCenter"), field(image, "DICOM_WindowWidth")) == ("40", "400")
    iop = [float(v) for v in field(image, "DICOM_ImageOrientationPatient").split("\\")]
    np.testing.assert_allclose(iop, np.concatenate([R[:, 0], R[:, 1]]), atol=1e-9)
    assert field(image, "DICOM_NumberOfFiles") == "6"


def test_not_dicom(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(sitkvtk.ReadError, match="no DICOM image files"):
        sitkvtk.read(tmp_path)
    make_series(tmp_path / "s")
    (tmp_path / "s" / "DICOMDIR.txt").write_text("ignored")
    assert read_strict(tmp_path / "s").GetDimensions() == (40, 32, 6)

"""DICOM stacks (dicom/stacks.py): a series one grid cannot hold (several planes, image sizes,
echoes) is split into stacks, each listed, described and read on its own grid; echoes that
hold the same positions become time steps.

World positions are computed here from the ImagePositionPatient / ImageOrientationPatient /
PixelSpacing written (dicomcase.check_grid); values encode their index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import dicomgen
import sitkvtk
from dicomcase import DZ, ORIGIN, SHAPE, R, check_grid, field, make_series, read_strict
from sitkvtk.sources.dispatch import open_source
from synthetic import index_values, rotation_3d, vtk_values

LOCALIZER = "1.2.3.4.50"
# Three planes, each a little tilted, as a scanner's localizer lays them out.
AXIAL = rotation_3d(0.05, 0.03, 0.02)
SAGITTAL = rotation_3d(0.0, np.pi / 2, 0.0) @ rotation_3d(0.04, 0.0, 0.02)
CORONAL = rotation_3d(np.pi / 2, 0.0, 0.0) @ rotation_3d(0.0, 0.03, 0.05)


def _move_into(source, folder, prefix):
    for path in source.iterdir():
        shutil.move(path, folder / f"{prefix}_{path.name}")


def _localizer(folder):
    """A 3-plane localizer (2 sagittal, 1 axial, 1 coronal slices) under one UID beside a
    6-slice series: {plane: (volume, positions, direction, paths)}."""
    make_series(folder, series_uid="1.2.3.4.10", description="body")
    planes = {}
    for n, (plane, direction, count) in enumerate(
            [("sagittal", SAGITTAL, 2), ("axial", AXIAL, 1), ("coronal", CORONAL, 1)]):
        volume = index_values((count, 20, 24), 1, np.int16) + 1000 * (n + 1)
        positions = dicomgen.slice_positions(ORIGIN + 10 * n, direction, 3.5, count)
        # One study date and time: GDCM's writer stamps the time of writing, which would
        # split dcm2niix's volumes by study time.
        _, _, paths = make_series(folder / plane, volume, positions, direction=direction,
                                  series_uid=LOCALIZER, description="PILOT", modality="MR",
                                  tags={"0008|0020": "20240102", "0008|0030": "101500"})
        _move_into(folder / plane, folder, plane)
        paths = [str(folder / f"{plane}_{p.rsplit('/', 1)[1]}") for p in paths]
        planes[plane] = (volume, positions, direction, paths)
    return planes


def test_localizer_is_split_into_stacks_beside_a_normal_series(tmp_path):
    planes = _localizer(tmp_path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    ids = reader.GetSeriesIDs()
    assert ids == ["1.2.3.4.10", f"{LOCALIZER}#1", f"{LOCALIZER}#2", f"{LOCALIZER}#3"]
    assert reader.GetSeriesDescriptions() == [
        'CT "body" 6 slices 40x32', 'MR "PILOT" sagittal 2 slices 24x20',
        'MR "PILOT" axial 1 slice 24x20', 'MR "PILOT" coronal 1 slice 24x20']
    # The folder reads its largest stack: the normal series, untouched by the localizer.
    volume, positions, _ = make_series(tmp_path / "again", series_uid="9.9")
    check_grid(read_strict(tmp_path), positions, volume)
    for stack_id, plane in zip(ids[1:], ["sagittal", "axial", "coronal"], strict=False):
        reader.SetSeriesID(stack_id)
        reader.Update()
        assert reader.last_error is None
        volume, positions, direction, _ = planes[plane]
        image = reader.GetOutputDataObject(0)
        check_grid(image, positions, volume, direction=direction)
        assert field(image, "DICOM_SeriesInstanceUID") == LOCALIZER


def test_bare_uid_reads_the_largest_stack_and_a_file_its_own(tmp_path):
    planes = _localizer(tmp_path)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    reader.SetSeriesID(LOCALIZER)
    reader.Update()
    volume, positions, direction, paths = planes["sagittal"]
    check_grid(reader.GetOutputDataObject(0), positions, volume, direction=direction)
    volume, positions, direction, paths = planes["coronal"]
    check_grid(read_strict(paths[0]), positions, volume, direction=direction)


def test_a_folder_of_mixed_planes_alone_reads_its_largest_stack(tmp_path):
    planes = _localizer(tmp_path)
    for path in tmp_path.glob("img*.dcm"):  # the normal series goes
        path.unlink()
    volume, positions, direction, _ = planes["sagittal"]
    check_grid(read_strict(tmp_path), positions, volume, direction=direction)


def test_image_size_change_splits(tmp_path):
    volume, positions, _ = make_series(tmp_path, series_uid="1.2.3.4.11")
    small = index_values((2, 16, 20), 1, np.int16) + 5000
    small_positions = dicomgen.slice_positions(ORIGIN + 40 * R[:, 2], R, DZ, 2)
    make_series(tmp_path / "s", small, small_positions, series_uid="1.2.3.4.11")
    _move_into(tmp_path / "s", tmp_path, "s")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    assert reader.GetSeriesIDs() == ["1.2.3.4.11#1", "1.2.3.4.11#2"]
    check_grid(read_strict(tmp_path), positions, volume)
    check_grid(_read(tmp_path, "1.2.3.4.11#2"), small_positions, small)


def _read(folder, stack_id):
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(folder)
    reader.SetSeriesID(stack_id)
    reader.Update()
    assert reader.last_error is None
    return reader.GetOutputDataObject(0)


def _echoes(folder, positions_of_echo):
    volumes = []
    for echo, positions in enumerate(positions_of_echo, 1):
        volume = index_values(SHAPE, 1, np.int16) + 3000 * echo
        make_series(folder / f"e{echo}", volume, positions, series_uid="1.2.3.4.12", seed=echo,
                    tags={"0018|0086": str(echo), "0018|0081": str(10 * echo)})
        _move_into(folder / f"e{echo}", folder, f"e{echo}")
        volumes.append(volume)
    return volumes


def test_echoes_at_the_same_positions_are_time_steps(tmp_path):
    positions = dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0])
    volumes = _echoes(tmp_path, [positions, positions])
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    assert reader.GetSeriesIDs() == ["1.2.3.4.12"]
    assert reader.GetSeriesDescriptions() == ['CT "test series" 6 slices 40x32 2 time steps']
    for step, volume in enumerate(volumes):
        image = read_strict(tmp_path, time_step=step)
        check_grid(image, positions, volume)
    assert field(image, "DICOM_TimeSteps") == "echo 1 TE 10 | echo 2 TE 20"


def test_echoes_at_other_positions_are_stacks(tmp_path):
    first = dicomgen.slice_positions(ORIGIN, R, DZ, SHAPE[0])
    second = dicomgen.slice_positions(ORIGIN + 0.5 * DZ * R[:, 2], R, DZ, SHAPE[0])
    volumes = _echoes(tmp_path, [first, second])
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path)
    assert reader.GetSeriesIDs() == ["1.2.3.4.12#1", "1.2.3.4.12#2"]
    assert reader.GetSeriesDescriptions() == ['CT "test series" echo 1 TE 10 6 slices 40x32',
                                              'CT "test series" echo 2 TE 20 6 slices 40x32']
    check_grid(_read(tmp_path, "1.2.3.4.12#2"), second, volumes[1])


def test_unknown_stack_lists_what_is_there(tmp_path):
    _localizer(tmp_path)
    with pytest.raises(sitkvtk.ReadError, match=rf'{LOCALIZER}#1: MR "PILOT" sagittal 2 slices'):
        open_source(str(tmp_path), series_id=f"{LOCALIZER}#9")


def _lps_to_index(image, lps):
    """Continuous (i, j, k) of LPS points (3, n) in a vtkImageData's grid."""
    matrix = image.GetDirectionMatrix()
    direction = np.array([[matrix.GetElement(r, c) for c in range(3)] for r in range(3)])
    step = direction * np.array(image.GetSpacing())
    return np.linalg.solve(step, lps - np.array(image.GetOrigin())[:, None])


def test_stacks_agree_with_dcm2niix(tmp_path):
    """dcm2niix, a converter independent of GDCM, splits the localizer into the same stacks:
    each of its volumes is one of sitkvtk's, voxel for voxel at the same world positions."""
    import nibabel

    converter = shutil.which("dcm2niix", path=os.path.dirname(sys.executable)) or shutil.which("dcm2niix")
    assert converter, "dcm2niix (in the test extra) is not installed"
    _localizer(tmp_path / "dicom")
    for path in (tmp_path / "dicom").glob("img*.dcm"):  # the localizer alone
        path.unlink()
    (tmp_path / "nifti").mkdir()
    subprocess.run([converter, "-z", "n", "-b", "n", "-o", str(tmp_path / "nifti"), "-f", "%d_%j",
                    str(tmp_path / "dicom")], check=True, capture_output=True)
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(tmp_path / "dicom")
    images = [_read(tmp_path / "dicom", stack_id) for stack_id in reader.GetSeriesIDs()]
    niftis = sorted((tmp_path / "nifti").glob("*.nii"))
    assert len(niftis) == len(images) == 3
    matched = set()
    for path in niftis:
        nifti = nibabel.load(path)
        data = np.asarray(nifti.dataobj)
        ijk = np.indices(data.shape).reshape(3, -1)
        lps = (nifti.affine[:3, :3] @ ijk + nifti.affine[:3, 3:]) * np.array([[-1.0], [-1.0], [1.0]])
        for n, image in enumerate(images):
            index = _lps_to_index(image, lps)
            dims = np.array(image.GetDimensions())[:, None]
            if np.abs(index - np.rint(index)).max() < 1e-3 and (np.rint(index) >= 0).all() \
                    and (np.rint(index) < dims).all() and np.prod(data.shape) == np.prod(dims):
                i, j, k = np.rint(index).astype(int)
                np.testing.assert_array_equal(vtk_values(image)[k, j, i], data.reshape(-1))
                matched.add(n)
    assert matched == {0, 1, 2}


def test_slice_claiming_two_frames_is_a_stack_of_its_own(tmp_path):
    """It used to make the reader return that one file for the whole folder."""
    import pydicom

    from sitkvtk.dicom.series import DicomWarning

    volume, positions, paths = make_series(tmp_path)
    ds = pydicom.dcmread(paths[2])
    ds.NumberOfFrames, ds.PixelData = 2, ds.PixelData * 2
    ds.save_as(paths[2])
    with pytest.warns(DicomWarning, match="1 missing slices"):
        image = sitkvtk.read(tmp_path)
    expected = volume.copy()
    expected[2] = 0  # the two-frame file's place: a documented blank slice
    check_grid(image, positions, expected)
    source = open_source(str(tmp_path))
    assert [source.series[u].files[0].path for u in source.series_ids][1:] == [paths[2]]
    assert vtk_values(sitkvtk.read(paths[2])).shape[0] == 2

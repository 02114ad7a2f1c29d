"""Bad input: a ReadError naming the file and the reason, and no output passed on as good."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkCommonCore import vtkObject

import sitkvtk
from synthetic import oblique_image


def _good(tmp_path, ext, size=(9, 8, 7)):
    path = str(tmp_path / f"good{ext}")
    sitk.WriteImage(oblique_image(np.int16, 3, size=size), path)
    return path


def _expect_error(path, *words):
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(path)
    message = str(caught.value)
    assert os.fspath(path) in message
    for word in words:
        assert word in message.lower()
    assert caught.value.filename == os.fspath(path)
    return message


def test_missing_file(tmp_path):
    _expect_error(str(tmp_path / "nothing.nii"), "no such file")


def test_folder_where_a_file_is_expected(tmp_path):
    folder = tmp_path / "scan.nii"
    folder.mkdir()
    _expect_error(str(folder), "folder")


def test_unknown_format(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_text("not an image")
    _expect_error(str(path), "format")


@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".mha", ".nrrd", ".mnc", ".png", ".dcm"])
def test_random_bytes_with_a_medical_extension(tmp_path, ext):
    path = tmp_path / f"random{ext}"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _expect_error(str(path))


@pytest.mark.parametrize("ext", [".nii", ".mha", ".nrrd", ".hdr", ".mhd", ".nhdr"])
def test_header_promises_more_voxels_than_the_file_holds(tmp_path, ext):
    path = _good(tmp_path, ext)
    data_file = {".hdr": path[:-4] + ".img", ".mhd": path[:-4] + ".raw", ".nhdr": path[:-5] + ".raw"}.get(ext, path)
    if ext == ".nhdr" and not os.path.exists(data_file):
        data_file = path[:-5] + ".raw.gz"
    raw = open(data_file, "rb").read()
    with open(data_file, "wb") as stream:
        stream.write(raw[: len(raw) - 100])  # cut the last voxels off
    _expect_error(path, "truncated")


def test_nifti_gz_truncated_data(tmp_path):
    path = str(tmp_path / "image.nii.gz")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(20, 20, 20)), path)
    plain = gzip.decompress(open(path, "rb").read())
    with open(path, "wb") as stream:
        stream.write(gzip.compress(plain[: len(plain) // 2]))  # a valid gzip of half the file
    _expect_error(path, "truncated")


def test_header_promising_an_impossible_size_allocates_nothing(tmp_path):
    path = _good(tmp_path, ".mha")
    text = open(path, "rb").read()
    text = text.replace(b"DimSize = 9 8 7", b"DimSize = 30000 30000 30000")
    open(path, "wb").write(text)
    _expect_error(path)


def test_pipeline_error_leaves_output_empty_and_does_not_raise(tmp_path):
    good = _good(tmp_path, ".mha")
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(good)
    reader.Update()
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 9 * 8 * 7
    assert reader.last_error is None

    bad = tmp_path / "bad.nii"
    bad.write_bytes(b"\0" * 2000)
    reader.SetFileName(str(bad))
    previous = vtkObject.GetGlobalWarningDisplay()
    vtkObject.GlobalWarningDisplayOff()  # keep VTK's own report off the test output
    try:
        reader.Update()
    finally:
        vtkObject.SetGlobalWarningDisplay(previous)
    assert reader.last_error is not None
    assert str(bad) in str(reader.last_error)
    assert reader.GetOutputDataObject(0).GetNumberOfPoints() == 0


def test_read_error_is_an_oserror_that_pickles(tmp_path):
    import pickle

    error = sitkvtk.ReadError(tmp_path / "x.nii", "broken")
    assert isinstance(error, OSError)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == f"{tmp_path / 'x.nii'}: broken"

"""The sitkvtk command, called as main([...]) the way the console script calls it."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkIOImage import vtkPNGReader
from vtkmodules.vtkIOXML import vtkXMLImageDataReader

import sitkvtk
from dicomgen import slice_positions, write_series
from sitkvtk.cli import main
from synthetic import ORIGIN_3D, SPACING_3D, corners, oblique_image, rotation_3d, sitk_world, vtk_values, vtk_world


def test_info_of_the_sample(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "96 x 112 x 72" in out
    assert "16-bit signed integer" in out
    assert "MetaImageIO" in out
    assert "0.906308 -0.408218 0.109382" in out  # first direction row


def test_info_ras_flips_origin(tmp_path, capsys):
    path = str(tmp_path / "a.nrrd")
    image = oblique_image(np.uint8, 3)
    sitk.WriteImage(image, path)
    main(["info", path])
    lps = capsys.readouterr().out
    main(["info", "--ras", path])
    ras = capsys.readouterr().out
    x, y, z = image.GetOrigin()
    assert f"origin:      {x:g} {y:g} {z:g}  (LPS, mm)" in lps
    assert f"origin:      {-x:g} {-y:g} {z:g}  (RAS, mm)" in ras


def test_info_of_a_bad_file_fails_with_its_name(tmp_path, capsys):
    path = tmp_path / "broken.nii"
    path.write_bytes(b"\1" * 500)
    assert main(["info", str(path)]) == 1
    assert str(path) in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "dtype", "ncomp", "target", "atol"),
    [
        ("in.mha", np.int16, 1, "out.vti", 1e-4),
        ("in.mha", np.int16, 1, "out.nii.gz", 1e-4),  # float32 header
        ("in.mha", np.int16, 1, "out.nrrd", 1e-4),
        ("in.nrrd", np.uint16, 3, "out.mhd", 1e-6),  # two files, vector voxels
    ],
    ids=["mha-vti", "mha-nii.gz", "mha-nrrd", "nrrd-mhd-3c"],
)
def test_convert_keeps_geometry_and_values(tmp_path, source, dtype, ncomp, target, atol):
    source = str(tmp_path / source)
    image = oblique_image(dtype, 3, ncomp)
    sitk.WriteImage(image, source)
    output = str(tmp_path / target)
    assert main(["convert", source, output]) == 0
    if target.endswith(".vti"):
        reader = vtkXMLImageDataReader()
        reader.SetFileName(output)
        reader.Update()
        converted = reader.GetOutput()
    else:
        converted = sitkvtk.read(output)
    assert converted.GetDimensions() == image.GetSize()
    assert converted.GetPointData().GetScalars().GetNumberOfComponents() == ncomp
    for index in corners(image.GetSize()):
        np.testing.assert_allclose(vtk_world(converted, index), sitk_world(image, index), atol=atol)
    expected = sitk.GetArrayViewFromImage(image)
    assert vtk_values(converted).dtype == expected.dtype
    np.testing.assert_array_equal(vtk_values(converted), expected)


@pytest.mark.parametrize("target", ["out.nrrd", "out.mhd"])
def test_convert_refuses_to_overwrite_without_force(tmp_path, capsys, target):
    source = str(tmp_path / "in.mha")
    sitk.WriteImage(oblique_image(np.int16, 3), source)
    output = tmp_path / target
    output.write_text("keep me")
    assert main(["convert", source, str(output)]) == 1
    assert output.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err
    assert main(["convert", "--force", source, str(output)]) == 0
    assert sitk.ReadImage(str(output)).GetSize() == (5, 4, 3)


def test_convert_failure_leaves_nothing(tmp_path, capsys):
    source = str(tmp_path / "source.nrrd")
    sitk.WriteImage(oblique_image("float64", 3), source)
    assert main(["convert", source, str(tmp_path / "out.png")]) == 1
    assert "out.png" in capsys.readouterr().err
    assert main(["convert", source, str(tmp_path / "no" / "out.nii")]) == 1
    assert sorted(os.listdir(tmp_path)) == ["source.nrrd"]


def test_convert_refuses_time_series(tmp_path, capsys):
    series = sitk.JoinSeries([oblique_image("int16", 3)] * 2)
    source = str(tmp_path / "series.nrrd")
    sitk.WriteImage(series, source)
    assert main(["convert", source, str(tmp_path / "out.nii")]) == 1
    assert "2 time steps" in capsys.readouterr().err


def test_render_the_sample_to_a_png(tmp_path):
    output = tmp_path / "render.png"
    assert main(["render", "-o", str(output), "--size", "320", "240"]) == 0
    reader = vtkPNGReader()
    reader.SetFileName(str(output))
    reader.Update()
    assert reader.GetOutput().GetDimensions()[:2] == (320, 240)
    pixels = vtk_to_numpy(reader.GetOutput().GetPointData().GetScalars()).astype(int)
    # background, the yellow outline and grey slices of the phantom are all there
    assert len(np.unique(pixels[:, :3], axis=0)) > 50
    grey = (np.ptp(pixels[:, :3], axis=1) < 8) & (pixels[:, 0] > 60)
    assert grey.sum() > 500


def test_info_json_is_the_header_for_scripts(tmp_path, capsys):
    path = str(tmp_path / "a.nrrd")
    image = oblique_image(np.uint16, 3)
    image.SetMetaData("note", "kept")
    sitk.WriteImage(image, path)
    assert main(["info", "--json", "--ras", path]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["file"] == path and facts["format"] == "NrrdImageIO"
    assert facts["size"] == [5, 4, 3] and facts["components"] == 1 and facts["time_steps"] == 1
    assert facts["coordinate_system"] == "RAS"
    # origin + direction from the values written, turned to RAS (x and y negated)
    np.testing.assert_allclose(facts["origin"], np.multiply(ORIGIN_3D, [-1, -1, 1]), atol=1e-9)
    np.testing.assert_allclose(facts["direction"], np.diag([-1, -1, 1]) @ rotation_3d(), atol=1e-6)
    np.testing.assert_allclose(facts["spacing"], SPACING_3D)
    assert facts["metadata"]["note"] == "kept"


def _convert_dicom_folder(tmp_path, stderr_on_a_terminal: bool) -> tuple[bytes, bytes]:
    """``sitkvtk convert`` of a 40-slice DICOM folder in a child; (stdout, what stderr got)."""
    folder = tmp_path / "dicom"
    volume = np.arange(40 * 16 * 16, dtype=np.int16).reshape(40, 16, 16)
    write_series(folder, volume, spacing_xy=(0.8, 0.9), direction=rotation_3d(),
                 positions=slice_positions((10, -20, 30), rotation_3d(), 2.5, 40))
    command = [sys.executable, "-m", "sitkvtk.cli", "convert", str(folder), str(tmp_path / "out.nii")]
    if not stderr_on_a_terminal:
        done = subprocess.run(command, capture_output=True, timeout=120)
        return done.stdout, done.stderr
    terminal, child_side = pty.openpty()
    fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns, as a window has
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=child_side)
    os.close(child_side)
    seen = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed it
            break
        if not chunk:
            break
        seen += chunk
    os.close(terminal)
    out, _ = child.communicate(timeout=120)
    return out, seen


def test_convert_of_a_dicom_folder_shows_a_progress_bar_on_a_terminal(tmp_path):
    out, terminal = _convert_dicom_folder(tmp_path, stderr_on_a_terminal=True)
    assert b"wrote" in out
    assert b"scanning" in terminal and b"file" in terminal  # the folder scan, counted in files
    assert b"reading" in terminal and b"%|" in terminal  # the voxels, in per cent


def test_convert_shows_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    out, err = _convert_dicom_folder(tmp_path, stderr_on_a_terminal=False)
    assert b"wrote" in out
    assert err == b""


def test_paraview_set_up_without_pvpython_says_what_to_give(tmp_path, capsys):
    assert main(["paraview", "install", "--pvpython", str(tmp_path / "no-pvpython")]) == 1
    err = capsys.readouterr().err
    assert "no-pvpython: not found" in err and "--pvpython /path/to/ParaView/bin/pvpython" in err


def test_paraview_path_before_install_is_the_package_s_own_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # nothing installed there
    assert main(["paraview", "path"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == os.path.join(os.path.dirname(sitkvtk.__file__), "paraview", "SimpleITKPlugin.py")
    assert "sitkvtk paraview install" in err
    assert main(["paraview", "uninstall"]) == 0 and "nothing installed" in capsys.readouterr().out


def test_info_json_of_a_dicom_folder_gives_the_series_geometry(tmp_path, capsys):
    volume = np.zeros((6, 8, 10), dtype=np.int16)
    origin = (10.0, -20.0, 30.0)
    write_series(tmp_path / "ct", volume, spacing_xy=(0.8, 0.9), direction=rotation_3d(),
                 positions=slice_positions(origin, rotation_3d(), 2.5, 6))
    assert main(["info", "--json", str(tmp_path / "ct")]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["size"] == [10, 8, 6]
    np.testing.assert_allclose(facts["origin"], origin, atol=1e-4)  # the first slice's position
    np.testing.assert_allclose(facts["spacing"], [0.8, 0.9, 2.5], atol=1e-4)
    np.testing.assert_allclose(facts["direction"], rotation_3d(), atol=1e-4)
    assert facts["metadata"]["DICOM_WindowCenter"] == "40"

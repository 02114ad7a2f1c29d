"""NRRD (formats/nrrd.py): a big-endian file read directly, and the measurement frame, which
SimpleITK does not apply, reported."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import registry
from sitkvtk.sources.file import read_header
from synthetic import index_values, oblique_image, vtk_values

SIZE = (5, 4, 3)  # x, y, z


def test_big_endian_nrrd_direct_read(tmp_path):
    values = index_values((4, 5, 6), 1, np.int32)
    path = tmp_path / "big.nrrd"
    header = ("NRRD0004\ntype: int32\ndimension: 3\nspace: left-posterior-superior\n"
              "sizes: 6 5 4\nspace directions: (0.5,0,0) (0,0.7,0) (0,0,1.5)\n"
              "kinds: domain domain domain\nendian: big\nencoding: raw\n"
              "space origin: (1,2,3)\n\n")
    path.write_bytes(header.encode() + values.astype(">i4").tobytes())
    assert registry.direct_layout(read_header(str(path))) is not None
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(str(path))), values)
    simpleitk = sitk.GetArrayFromImage(sitk.ReadImage(str(path)))
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(str(path))), simpleitk)


def test_nrrd_measurement_frame_reported(tmp_path):
    path = str(tmp_path / "frame.nrrd")
    sitk.WriteImage(oblique_image(np.float32, 3, ncomp=3, size=SIZE), path)
    raw = open(path, "rb").read()
    raw = raw.replace(b"\nsizes:", b"\nmeasurement frame: (0,1,0) (-1,0,0) (0,0,1)\nsizes:", 1)
    open(path, "wb").write(raw)
    metadata = read_header(path).metadata
    assert metadata["NRRD_measurement frame"] == "(0,1,0) (-1,0,0) (0,0,1)"
    assert metadata["NRRD_measurement frame applied"].startswith("no")

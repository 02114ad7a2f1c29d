"""The format registry (formats/registry.py): which files it sends to a direct read, and that
those reads equal SimpleITK's; vector and compressed files go through SimpleITK."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import registry
from sitkvtk.sources.file import read_header
from synthetic import oblique_image, vtk_values


@pytest.mark.parametrize("ext", [".mha", ".mhd", ".nrrd", ".nhdr"])
@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float64, np.int64])
def test_metaimage_and_nrrd_direct_reads_equal_simpleitk(tmp_path, ext, dtype):
    path = str(tmp_path / f"image{ext}")
    image = oblique_image(dtype, 3, size=(9, 8, 7))
    sitk.WriteImage(image, path)
    layout = registry.direct_layout(read_header(path))
    assert layout is not None and not layout.compressed  # the direct path is taken
    np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), sitk.GetArrayViewFromImage(image))
    box = sitkvtk.read(path, extent=(2, 6, 1, 5, 3, 4))
    np.testing.assert_array_equal(vtk_values(box), sitk.GetArrayViewFromImage(image)[3:5, 1:6, 2:7])


@pytest.mark.parametrize("ext", [".mha", ".nrrd"])
def test_vector_and_compressed_files_go_through_simpleitk(tmp_path, ext):
    vector = str(tmp_path / f"vector{ext}")
    sitk.WriteImage(oblique_image(np.float32, 3, ncomp=3), vector)
    packed = str(tmp_path / f"packed{ext}")
    sitk.WriteImage(oblique_image(np.int16, 3), packed, useCompression=True)
    if ext == ".nrrd":
        assert registry.direct_layout(read_header(vector)) is None
    assert registry.direct_layout(read_header(packed)) is None
    for path in (vector, packed):
        np.testing.assert_array_equal(vtk_values(sitkvtk.read(path)), sitk.GetArrayFromImage(sitk.ReadImage(path)))

"""The DICOM series the tests start from, and the check of a read of it.

Every series is written (dicomgen) on an oblique, off-origin, anisotropic grid with voxels
that encode their index, in files whose names and InstanceNumbers do not follow the slice
order. Expected world positions are computed from what was written: ImagePositionPatient
of slice k + i * row * dx + j * column * dy.
"""

from __future__ import annotations

import warnings

import numpy as np

import dicomgen
import sitkvtk
from sitkvtk.dicom.series import DicomWarning
from synthetic import corners, index_values, rotation_3d, vtk_values, vtk_world

R = rotation_3d()
DX, DY, DZ = 0.7, 1.3, 2.1
ORIGIN = np.array([-12.5, 33.25, -7.75])
SHAPE = (6, 32, 40)  # z, y, x: JPEG 2000 in this GDCM needs slices bigger than a few pixels


def make_series(folder, volume=None, positions=None, direction=R, **kwargs):
    """Write ``volume`` (default: index values of SHAPE) as a series in ``folder``: (volume, positions, paths)."""
    volume = index_values(SHAPE, 1, np.int16) if volume is None else volume
    if positions is None:
        positions = dicomgen.slice_positions(ORIGIN, direction, DZ, volume.shape[0])
    paths = dicomgen.write_series(folder, volume, spacing_xy=(DX, DY), positions=positions,
                                  direction=direction, **kwargs)
    return volume, positions, paths


def check_grid(image, positions, volume, direction=R, atol=1e-5):
    """World position of every corner from IPP/IOP/PixelSpacing, and every voxel."""
    nz, ny, nx = volume.shape[:3]
    assert image.GetDimensions() == (nx, ny, nz)
    row, col = np.asarray(direction)[:, 0], np.asarray(direction)[:, 1]
    for i, j, k in corners((nx, ny, nz)):
        expected = positions[k] + i * row * DX + j * col * DY
        np.testing.assert_allclose(vtk_world(image, (i, j, k)), expected, atol=atol)
    np.testing.assert_array_equal(vtk_values(image), volume)


def field(image, name):
    array = image.GetFieldData().GetAbstractArray(name)
    assert array is not None, f"no field data {name}"
    return array.GetValue(0)


def read_strict(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DicomWarning)  # a regular series must not warn
        return sitkvtk.read(path, **kwargs)

"""NIfTI placed by a sheared sform (formats/nifti_sform.py), checked against nibabel.

SimpleITK 2.5 refuses a file whose sform (with no qform) has columns that are not
orthogonal; nibabel reads it. Files are written with nibabel: voxels that encode their index,
an oblique, sheared, anisotropic, off-origin affine; every voxel's value and world position
is compared with nibabel's array and affine.
"""

from __future__ import annotations

import itertools

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import nifti_sform
from sitkvtk.reader import SimpleITKReader
from sitkvtk.sources.file import read_header
from synthetic import vtk_values, vtk_world

SIZE = (5, 4, 3)  # i, j, k


def _sheared_affine():
    """RAS: a rotation times a shear times anisotropic voxels, off origin."""
    rotation = np.array([[0.36, -0.48, 0.8], [0.8, 0.6, 0.0], [-0.48, 0.64, 0.6]])
    shear = np.array([[1.0, 0.35, -0.2], [0.0, 1.0, 0.25], [0.0, 0.0, 1.0]])
    affine = np.eye(4)
    affine[:3, :3] = rotation @ shear @ np.diag([0.7, 1.3, 2.1])
    affine[:3, 3] = [12.5, -33.25, 7.75]
    return affine


def _write(path, dtype=np.int16, steps=0, scaled=False):
    shape = SIZE + ((steps,) if steps else ())
    data = np.arange(np.prod(shape)).reshape(shape, order="F").astype(dtype)
    kind = nib.Nifti1Pair if str(path).endswith(".hdr") else nib.Nifti1Image  # keeps the scaling set here
    image = kind(data, _sheared_affine())
    image.set_sform(_sheared_affine(), 2)
    image.set_qform(None, 0)
    if scaled:
        image.header.set_slope_inter(0.5, -3.0)
    nib.save(image, str(path))
    return str(path)


def _check_against_nibabel(image, path, step=0):
    loaded = nib.load(path)
    data = np.asanyarray(loaded.dataobj)
    if data.ndim == 4:
        data = data[..., step]
    values = vtk_values(image)
    assert values.shape == data.shape[::-1]
    for i, j, k in itertools.product(*[range(n) for n in SIZE]):
        assert values[k, j, i] == data[i, j, k]
        ras = loaded.affine @ [i, j, k, 1]
        np.testing.assert_allclose(vtk_world(image, (i, j, k)), [-ras[0], -ras[1], ras[2]], atol=1e-4)


@pytest.mark.parametrize("ext", [".nii", ".nii.gz", ".hdr"])
@pytest.mark.parametrize("scaled", [False, True], ids=["direct", "scaled"])
def test_sheared_sform_as_nibabel_reads_it(tmp_path, ext, scaled):
    """Plain voxels are read directly, scaled ones through SimpleITK (float32)."""
    path = _write(tmp_path / f"sheared{ext}", scaled=scaled)
    image = sitkvtk.read(path)
    _check_against_nibabel(image, path)
    assert vtk_values(image).dtype == (np.float32 if scaled else np.int16)
    metadata = read_header(path).metadata
    assert "not orthonormal" in metadata["sitkvtk_direction"]
    # The file's own fields, not those of the copy SimpleITK was handed.
    assert metadata["sform_code"] == "2"
    assert metadata["nifti_type"] == ("2" if ext == ".hdr" else "1")
    srow_x = [float(v) for v in metadata["srow_x"].split()]
    np.testing.assert_allclose(srow_x, _sheared_affine()[0], atol=1e-4)


def test_sheared_sform_time_steps(tmp_path):
    path = _write(tmp_path / "sheared.nii", np.float32, steps=3)
    reader = SimpleITKReader()
    reader.SetFileName(path)
    for step in range(3):
        _check_against_nibabel(reader.ReadImage((0, 4, 0, 3, 0, 2), step), path, step)


def test_probe_tells_what_simpleitk_does(tmp_path):
    path = _write(tmp_path / "sheared.nii")
    try:
        sitk.ReadImage(path)
        reads = True
    except RuntimeError:
        reads = False
    assert nifti_sform.simpleitk_reads_sheared_sform() == reads


def test_switches_off_with_a_simpleitk_that_reads_sheared_sforms(tmp_path, monkeypatch):
    """With the probe saying SimpleITK reads them, the file goes to SimpleITK untouched
    (this one refuses it, which shows nothing else stood in between)."""
    path = _write(tmp_path / "sheared.nii")
    monkeypatch.setattr(nifti_sform, "simpleitk_reads_sheared_sform", lambda: True)
    with pytest.raises(sitkvtk.ReadError, match="orthonormal"):
        sitkvtk.read(path)


def test_orthogonal_sform_left_to_simpleitk(tmp_path):
    path = str(tmp_path / "plain.nii")
    affine = _sheared_affine()
    affine[:3, :3] = np.diag([0.7, 1.3, 2.1])
    data = np.arange(np.prod(SIZE)).reshape(SIZE, order="F").astype(np.int16)
    image = nib.Nifti1Image(data, affine)
    image.set_qform(None, 0)
    nib.save(image, path)
    assert nifti_sform.sheared_sform(nifti_sform.read_nifti_header(path)) is None
    _check_against_nibabel(sitkvtk.read(path), path)

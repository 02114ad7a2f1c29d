"""MINC (formats/minc.py): the RAS-as-LPS correction, and that it follows the ITK version.

Where MINC voxels land in the world is checked against nibabel in test_nibabel.py."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats.minc import minc_needs_flip
from synthetic import oblique_image


def test_minc_correction_follows_itk_version(monkeypatch, tmp_path):
    path = str(tmp_path / "image.mnc")
    sitk.WriteImage(oblique_image(np.int16, 3), path)
    plain = sitk.ReadImage(path)
    corrected = sitkvtk.read(path)
    origin = np.array(corrected.GetOrigin())
    if minc_needs_flip():
        np.testing.assert_allclose(origin, np.array(plain.GetOrigin()) * [-1, -1, 1])
    # An ITK that converts MINC itself (6.0 and later) gets no second flip.
    monkeypatch.setattr(sitk.Version, "ITKMajorVersion", staticmethod(lambda: 6))
    assert not minc_needs_flip()
    np.testing.assert_allclose(sitkvtk.read(path).GetOrigin(), plain.GetOrigin())

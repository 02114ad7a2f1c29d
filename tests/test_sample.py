"""The embedded sample (sample.py): the shipped file is what make_phantom() makes, and it is
the kind of image the tests ask for."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from sitkvtk.sample import make_phantom, sample_path


def test_shipped_sample_is_what_the_script_makes():
    shipped = sitk.ReadImage(str(sample_path()))
    made = make_phantom()
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(shipped), sitk.GetArrayViewFromImage(made))
    np.testing.assert_allclose(shipped.GetDirection(), made.GetDirection(), atol=1e-12)
    np.testing.assert_allclose(shipped.GetOrigin(), made.GetOrigin())
    np.testing.assert_allclose(shipped.GetSpacing(), made.GetSpacing())
    # and it is the kind of sample the tests ask for: oblique, off origin, anisotropic
    assert not np.allclose(np.reshape(made.GetDirection(), (3, 3)), np.eye(3), atol=0.1)
    assert len(set(made.GetSpacing())) == 3
    assert all(o != 0 for o in made.GetOrigin())

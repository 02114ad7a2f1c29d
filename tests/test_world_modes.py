"""Output modes (world/modes.py): which one "Auto" stands for."""

from __future__ import annotations

import numpy as np

from sitkvtk.world.modes import choose_mode
from synthetic import rotation_3d
from worldcheck import PERMUTATION


def test_auto_mode_keeps_axis_aligned_images_and_bakes_oblique_ones():
    assert choose_mode("Auto", np.eye(3)) == "Image"
    assert choose_mode("Auto", PERMUTATION) == "Resampled"
    assert choose_mode("Auto", np.diag([-1.0, -1.0, 1.0])) == "Resampled"  # RAS of an axial image
    assert choose_mode("Auto", rotation_3d()) == "StructuredGrid"
    assert choose_mode("Image", rotation_3d()) == "Image"

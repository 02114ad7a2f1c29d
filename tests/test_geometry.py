"""Index-to-world geometry (geometry.py): the axis-aligned grid that covers an image."""

from __future__ import annotations

import numpy as np

from sitkvtk.geometry import world_grid
from worldcheck import PERMUTATION


def test_world_grid_of_a_permutation_is_the_same_voxel_count():
    spacing, _, extent = world_grid([0.5, 2.0, 3.0], [1.0, 2.0, 3.0], PERMUTATION, [0, 9, 0, 4, 0, 2])
    np.testing.assert_allclose(spacing, [2.0, 3.0, 0.5])
    assert extent == [0, 4, 0, 2, 0, 9]

"""read() (api.py): one call from a path to a vtkImageData, a ReadError for what it cannot
give (a time step or extent outside the image, a file series that cannot be read), and no
memory kept from one read to the next."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from synthetic import image_4d, oblique_image, vtk_values, xyzt_values


@pytest.mark.parametrize("extent", [(0, 13, 0, 10, 0, 8), (-1, 3, 0, 0, 0, 0), (4, 3, 0, 0, 0, 0)])
def test_read_refuses_an_extent_outside_the_image(tmp_path, extent):
    path = str(tmp_path / "volume.mha")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(13, 11, 9)), path)
    with pytest.raises(sitkvtk.ReadError, match="not inside"):
        sitkvtk.read(path, extent=extent)


def test_read_time_step_and_extent_together(tmp_path):
    path = str(tmp_path / "series.mha")
    sitk.WriteImage(image_4d(), path)
    part = sitkvtk.read(path, time_step=2, extent=(1, 3, 0, 4, 2, 2))
    np.testing.assert_array_equal(vtk_values(part), xyzt_values()[2, 2:3, 0:5, 1:4])
    with pytest.raises(sitkvtk.ReadError, match="time step 3 out of range"):
        sitkvtk.read(path, time_step=3)


def test_time_step_out_of_range_of_a_file_series_names_the_files(tmp_path):
    """A list of files given to read() with a time step past its end: a ReadError naming them
    (it was a TypeError: the list was passed on as one path)."""
    paths = [str(tmp_path / f"scan_{t}.mha") for t in range(2)]
    for path in paths:
        sitk.WriteImage(oblique_image(np.int16, 3), path)
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(paths, time_step=5)
    assert "time step 5 out of range" in str(caught.value)
    assert any(path in str(caught.value) for path in paths)


_LEAK = """
import sys
import sitkvtk
path, extent = sys.argv[1], None if sys.argv[2] == "-" else [int(e) for e in sys.argv[2].split(",")]
page = __import__("os").sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * page
for _ in range(20):
    image = sitkvtk.read(path, extent=extent)
before = rss()
for _ in range(200):
    image = sitkvtk.read(path, extent=extent)
    assert image.GetNumberOfPoints() > 0
print(before, rss())
"""


@pytest.mark.parametrize(
    ("ext", "extent"),
    [
        (".mha", None),
        (".nii", None),
        (".nii.gz", None),
        (".nrrd", None),
        (".mha", "0,63,0,63,10,12"),
    ],
)
def test_200_reads_do_not_grow_memory(tmp_path, ext, extent):
    """1 MiB per read: a leaked buffer would add 200 MiB over 200 reads. (It did: the
    progress command made a cycle that kept every reader and its output alive.)"""
    import subprocess
    import sys

    path = str(tmp_path / f"big{ext}")
    sitk.WriteImage(oblique_image(np.float32, 3, size=(64, 64, 64)), path)
    out = subprocess.run(
        [sys.executable, "-c", _LEAK, path, extent or "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    print(f"{ext} {extent}: RSS {before >> 20} MiB -> {after >> 20} MiB over 200 reads")
    assert after - before < 16 << 20, f"RSS grew {(after - before) >> 20} MiB over 200 reads"

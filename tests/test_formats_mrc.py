"""MRC (formats/mrc.py): axis order (MAPC/MAPR/MAPS) and the EMDB origin (NXSTART..), checked
against mrcfile, the format's own reader.

Maps are written with mrcfile: voxels that encode their index in file order (section, row,
column), anisotropic voxels, starts that are not zero. The expected world position of each
file voxel is computed here from mrcfile's header alone: along the world axis MAPC the
column index, and so on, at (start + index) * voxel size, or from the ORIGIN field where it
is not zero.
"""

from __future__ import annotations

import itertools

import mrcfile
import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from sitkvtk.formats import mrc
from sitkvtk.reader import SimpleITKReader
from sitkvtk.sources.file import read_header
from synthetic import vtk_values, vtk_world

COUNTS = (5, 4, 3)  # columns, rows, sections
VOXEL = (0.7, 1.3, 2.1)  # x, y, z (Angstrom)
STARTS = (-3, 2, 1)  # of columns, rows, sections (each below its count: SimpleITK reads the header)


def _write(path, axes, dtype=np.int16, starts=STARTS, origin=(0.0, 0.0, 0.0), counts=COUNTS):
    nc, nr, ns = counts
    data = np.arange(nc * nr * ns).reshape(ns, nr, nc).astype(dtype)
    if np.dtype(dtype).kind == "f":
        data += 0.25
    with mrcfile.new(str(path), overwrite=True) as mrc_file:
        mrc_file.set_data(data)
        header = mrc_file.header
        header.mapc, header.mapr, header.maps = axes
        sampling = [0, 0, 0]  # MX, MY, MZ: samples along x, y, z
        for count, axis in zip(counts, axes, strict=False):
            sampling[axis - 1] = count
        header.mx, header.my, header.mz = sampling
        mrc_file.voxel_size = VOXEL
        header.nxstart, header.nystart, header.nzstart = starts
        header.origin.x, header.origin.y, header.origin.z = origin
    return str(path)


def _expected(path):
    """{value: world position} of every voxel, from mrcfile's reading of the file."""
    with mrcfile.open(path, permissive=False) as mrc_file:
        data = np.array(mrc_file.data)
        header = mrc_file.header
        axes = [int(header.mapc) - 1, int(header.mapr) - 1, int(header.maps) - 1]
        starts = [int(header.nxstart), int(header.nystart), int(header.nzstart)]
        voxel = np.array([mrc_file.voxel_size.x, mrc_file.voxel_size.y, mrc_file.voxel_size.z], float)
        origin = np.array([header.origin.x, header.origin.y, header.origin.z], float)
    by_start = not origin.any()
    expected = {}
    for s, r, c in itertools.product(*[range(n) for n in data.shape]):
        point = origin.copy() if not by_start else np.zeros(3)
        for axis, index, start in zip(axes, (c, r, s), starts, strict=False):
            point[axis] += ((start if by_start else 0) + index) * voxel[axis]
        expected[float(data[s, r, c])] = point
    return expected, data.dtype.newbyteorder("=")


def _check_against_mrcfile(image, path):
    expected, dtype = _expected(path)
    values = vtk_values(image)
    assert values.dtype == dtype
    assert values.size == len(expected)
    nz, ny, nx = values.shape
    for k, j, i in itertools.product(range(nz), range(ny), range(nx)):
        value = float(values[k, j, i])
        np.testing.assert_allclose(vtk_world(image, (i, j, k)), expected[value], atol=1e-4, err_msg=f"{value}")


@pytest.mark.parametrize("axes", list(itertools.permutations((1, 2, 3))))
@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.float32])
def test_axis_order_and_start_as_mrcfile_means_them(tmp_path, axes, dtype):
    path = _write(tmp_path / "map.mrc", axes, dtype)
    image = sitkvtk.read(path)
    _check_against_mrcfile(image, path)
    size = [0, 0, 0]
    for count, axis in zip(COUNTS, axes, strict=False):
        size[axis - 1] = count
    assert image.GetDimensions() == tuple(size)
    np.testing.assert_allclose(image.GetSpacing(), VOXEL, rtol=1e-6)


def test_origin_field_wins_over_start(tmp_path):
    path = _write(tmp_path / "map.mrc", (3, 1, 2), origin=(-40.5, 12.25, 3.0))
    image = sitkvtk.read(path)
    _check_against_mrcfile(image, path)
    np.testing.assert_allclose(image.GetOrigin(), (-40.5, 12.25, 3.0), atol=1e-5)


def test_big_endian_permuted(tmp_path):
    nc, nr, ns = COUNTS
    path = str(tmp_path / "map.mrc")
    data = np.arange(nc * nr * ns, dtype=">i2").reshape(ns, nr, nc)
    with mrcfile.new(path) as mrc_file:
        mrc_file.set_data(data)
        mrc_file.header.mapc, mrc_file.header.mapr, mrc_file.header.maps = 2, 3, 1
        mrc_file.header.mx, mrc_file.header.my, mrc_file.header.mz = ns, nc, nr
        mrc_file.voxel_size = VOXEL
        mrc_file.header.nxstart, mrc_file.header.nystart, mrc_file.header.nzstart = STARTS
    with open(path, "rb") as stream:
        assert stream.read(213)[212] == 0x11  # mrcfile wrote it big-endian
    _check_against_mrcfile(sitkvtk.read(path), path)


def test_start_beyond_size(tmp_path):
    """A sub-volume of a larger cell starts past its own size: valid MRC2014, which
    SimpleITK 2.5 refuses ("Unrecognized header")."""
    path = _write(tmp_path / "map.mrc", (1, 2, 3), starts=(40, 4, 3))
    _check_against_mrcfile(sitkvtk.read(path), path)
    path = _write(tmp_path / "permuted.mrc", (2, 3, 1), starts=(40, 4, 3))
    _check_against_mrcfile(sitkvtk.read(path), path)


def test_boxes_of_a_permuted_map(tmp_path):
    """Any box (as the pipeline and MPI pieces ask) is the same box of the whole."""
    path = _write(tmp_path / "map.mrc", (3, 1, 2), np.float32)
    reader = SimpleITKReader()
    reader.SetFileName(path)
    whole = vtk_values(sitkvtk.read(path))
    for extent in [(0, 3, 1, 2, 0, 4), (2, 2, 0, 2, 3, 4), (1, 3, 0, 0, 0, 0)]:
        box = reader.ReadImage(extent)
        x0, x1, y0, y1, z0, z1 = extent
        np.testing.assert_array_equal(vtk_values(box), whole[z0 : z1 + 1, y0 : y1 + 1, x0 : x1 + 1])
        assert vtk_values(box).flags.c_contiguous


def test_probe_tells_what_simpleitk_does(tmp_path):
    """The detection agrees with SimpleITK on a map written by mrcfile."""
    path = _write(tmp_path / "map.mrc", (3, 1, 2))
    image = sitk.ReadImage(path)
    probe = mrc.simpleitk_mrc()
    assert probe.applies_axis_order == (image.GetSize() == (4, 3, 5))
    assert probe.applies_start == bool(np.any(image.GetOrigin()))
    beyond = _write(tmp_path / "beyond.mrc", (1, 2, 3), starts=(40, 0, 0))
    try:
        sitk.ReadImage(beyond)
        reads_beyond = True
    except RuntimeError:
        reads_beyond = False
    assert probe.reads_start_beyond_size == reads_beyond


def test_workarounds_switch_off_with_a_fixed_simpleitk(tmp_path, monkeypatch):
    """A SimpleITK that applied MAPC and the starts itself gets its own result back."""
    path = _write(tmp_path / "map.mrc", (3, 1, 2))
    fixed = mrc.SimpleITKMrc(applies_axis_order=True, applies_start=True, reads_start_beyond_size=True)
    monkeypatch.setattr(mrc, "simpleitk_mrc", lambda: fixed)
    image = sitkvtk.read(path)
    plain = sitk.ReadImage(path)
    assert image.GetDimensions() == plain.GetSize()
    np.testing.assert_allclose(image.GetOrigin(), plain.GetOrigin())
    np.testing.assert_array_equal(vtk_values(image), sitk.GetArrayViewFromImage(plain))


def test_mode_simpleitk_cannot_read_is_refused_with_the_reason(tmp_path):
    path = _write(tmp_path / "half.mrc", (1, 2, 3), np.float16)  # mode 12
    with pytest.raises(sitkvtk.ReadError, match=r"MRC mode 12 \(16-bit float\).*modes 0, 1, 2, 3, 4, 6 and 16"):
        sitkvtk.read(path)


def test_header_faults_are_named(tmp_path):
    path = _write(tmp_path / "axes.mrc", (1, 1, 3))
    with pytest.raises(sitkvtk.ReadError, match="MAPC, MAPR, MAPS are 1, 1, 3: not an order"):
        sitkvtk.read(path)
    path = tmp_path / "other.mrc"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(sitkvtk.ReadError, match="not an MRC map: no 'MAP ' stamp"):
        sitkvtk.read(str(path))


def test_notes_say_what_was_applied(tmp_path):
    metadata = read_header(_write(tmp_path / "map.mrc", (3, 1, 2))).metadata
    if not mrc.simpleitk_mrc().applies_axis_order:
        assert "columns along z, rows along x, sections along y" in metadata["MRC_axis_order"]
    if not mrc.simpleitk_mrc().applies_start:
        assert "-3, 2, 1" in metadata["MRC_origin"]

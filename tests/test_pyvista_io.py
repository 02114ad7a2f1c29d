"""sitkvtk.pyvista_io: PyVista reads and writes medical images through sitkvtk's entry points.

Every PyVista call runs in a fresh child process that imports pyvista and never sitkvtk:
PyVista must find the reader and the writer through the installed distribution's entry
points, as a user's script would. The parent writes the files (SimpleITK, sitkvtk) and
checks what the child got: every voxel's world position against SimpleITK's placement and,
for NIfTI and MINC, against nibabel's; every voxel's value against its own index.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points

import nibabel as nib
import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.vtkCommonCore import vtkVersion

import dicomcase
from synthetic import (
    ORIGIN_4D,
    SIZE_4D,
    SPACING_4D,
    image_4d,
    index_values,
    oblique_image,
    rotation_3d,
    xyzt_values,
)

# PyVista 0.49 needs VTK >= 9.3.1: with an older VTK (the oldest end of tests/versions.sh) there is
# no PyVista to read through.
NEEDS_PYVISTA = pytest.mark.skipif(
    (vtkVersion.GetVTKMajorVersion(), vtkVersion.GetVTKMinorVersion(), vtkVersion.GetVTKBuildVersion()) < (9, 3, 1),
    reason="PyVista 0.49 needs VTK >= 9.3.1")
RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0])
SIZE = (7, 6, 5)

# Opens every child: PyVista alone, and the proof that sitkvtk is not loaded by the script.
_PRELUDE = """
import sys
import numpy as np
import pyvista as pv
assert "sitkvtk" not in sys.modules, "the child must not import sitkvtk itself"
results = {}
"""


def _run_child(tmp_path, code: str, prelude: str = _PRELUDE) -> dict:
    """Run ``code`` after ``prelude`` in a fresh interpreter; its ``results`` dict comes back."""
    out = tmp_path / "results.npz"
    script = prelude + textwrap.dedent(code) + f"\nnp.savez({str(out)!r}, **results)\n"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with np.load(out, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def _sitk_points(image: sitk.Image) -> np.ndarray:
    """World position of every voxel as SimpleITK places it, in VTK's x-fastest order."""
    dim = image.GetDimension()
    size = list(image.GetSize()) + [1] * (3 - dim)
    spacing = np.ones(3)
    origin = np.zeros(3)
    direction = np.eye(3)
    spacing[:dim], origin[:dim] = image.GetSpacing(), image.GetOrigin()
    direction[:dim, :dim] = np.reshape(image.GetDirection(), (dim, dim))
    k, j, i = np.indices(size[::-1]).reshape(3, -1)
    points = origin + (np.stack([i, j, k], 1) * spacing) @ direction.T
    # SimpleITK's own transform at the last voxel: the matrix above is its placement.
    last = image.TransformIndexToPhysicalPoint([int(s - 1) for s in image.GetSize()])
    np.testing.assert_allclose(points[-1][:dim], last, atol=1e-9)
    return points


def _nibabel_points(path: str, values: np.ndarray) -> np.ndarray:
    """World position (LPS) nibabel gives the voxel holding each value of ``values``.

    Voxel values are their own index, so value v is where the v-th voxel must land.
    """
    if path.endswith(".mnc2"):  # nibabel knows MINC 2 by the name .mnc only
        os.symlink(path, path[:-1])
        path = path[:-1]
    image = nib.load(path)
    data = np.asarray(image.dataobj)
    index = np.indices(data.shape[:3]).reshape(3, -1)
    world = RAS_TO_LPS @ (image.affine[:3, :3] @ index + image.affine[:3, 3:4])
    by_value = np.empty((data.size, 3))
    by_value[data[tuple(index)].astype(np.int64)] = world.T
    return by_value[values.astype(np.int64)]


# -- reading ---------------------------------------------------------------------------

_READ_CHILD = """
for name in NAMES:
    mesh = pv.read(name)
    results[name + ":type"] = np.array(type(mesh).__name__)
    results[name + ":points"] = np.asarray(mesh.points)
    results[name + ":values"] = np.asarray(mesh.active_scalars)
    results[name + ":dims"] = np.array(mesh.dimensions)
assert "sitkvtk.pyvista_io" in sys.modules  # the entry points brought it
"""

# (file name, pixel type, components, dimension): one of each family PyVista reaches sitkvtk by.
_ORIENTED = [
    ("image.nii", np.int16, 1, 3), ("image.nii.gz", np.float32, 1, 3), ("image.mha", np.uint8, 1, 3),
    ("meta.mhd", np.float64, 1, 3), ("image.nrrd", np.int32, 1, 3), ("detached.nhdr", np.uint16, 1, 3),
    ("image.hdf5", np.int16, 1, 3), ("vectors.nrrd", np.float32, 3, 3), ("slice.mha", np.int16, 1, 2),
    ("pair.hdr", np.int16, 1, 3), ("pairgz.img.gz", np.int16, 1, 3), ("image.he5", np.float32, 1, 3),
]
# No direction in these formats: off origin and anisotropic, axis-aligned.
_AXIS_ALIGNED = [("image.gipl", np.int16), ("image.gipl.gz", np.float64), ("image.mrc", np.float32),
                 ("image.rec", np.int16), ("image.lsm", np.uint8), ("image.pic", np.uint8)]


def _folder(tmp_path, name):
    """A folder of its own for each file: SimpleITK asked for x.nii.gz reads an x.nii beside it."""
    folder = tmp_path / name.replace(".", "_")
    folder.mkdir()
    return str(folder / name)


def _written(tmp_path):
    """Write every case; return {name as read: SimpleITK's reading of it}."""
    cases = {}
    for name, dtype, ncomp, dim in _ORIENTED:
        size = SIZE[:dim] if ncomp == 1 else (4, 3, 2)
        path = _folder(tmp_path, name)
        sitk.WriteImage(oblique_image(dtype, dim, ncomp, size=size), path)
        # An Analyze/NIfTI pair is read by its .img: PyVista's .hdr is a Radiance picture.
        path = path.replace(".hdr", ".img")
        cases[path] = sitk.ReadImage(path)
    for name, dtype in _AXIS_ALIGNED:
        image = oblique_image(dtype, 3, size=SIZE)
        image.SetDirection(np.eye(3).ravel().tolist())
        path = _folder(tmp_path, name)
        sitk.WriteImage(image, path)
        cases[path] = sitk.ReadImage(path)
    return cases


@NEEDS_PYVISTA
def test_every_format_lands_voxel_for_voxel_where_simpleitk_puts_it(tmp_path):
    cases = _written(tmp_path)
    got = _run_child(tmp_path, f"NAMES = {list(cases)!r}\n" + _READ_CHILD)
    for path, image in cases.items():
        assert str(got[path + ":type"]) == "ImageData", path
        dims = tuple(list(image.GetSize()) + [1] * (3 - image.GetDimension()))
        assert tuple(got[path + ":dims"]) == dims, path
        np.testing.assert_allclose(got[path + ":points"], _sitk_points(image), atol=1e-5, err_msg=path)
        ncomp = image.GetNumberOfComponentsPerPixel()
        expected = sitk.GetArrayViewFromImage(image).reshape(-1, ncomp).squeeze()
        values = got[path + ":values"]
        assert values.dtype == expected.dtype, path
        np.testing.assert_array_equal(values, expected, err_msg=path)
        # The values encode their own index: the order is right independently of SimpleITK.
        own = index_values(dims[::-1], ncomp, expected.dtype).reshape(-1, ncomp).squeeze()
        np.testing.assert_array_equal(values, own, err_msg=path)


@NEEDS_PYVISTA
def test_nifti_and_minc_land_where_nibabel_puts_them(tmp_path):
    paths = []
    for name in ("image.nii", "image.nii.gz", "image.mnc", "image.mnc2"):
        path = _folder(tmp_path, name)
        # MINC as SimpleITK writes it: whatever it meant, the file says where nibabel reads.
        sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE), path)
        paths.append(path)
    got = _run_child(tmp_path, f"NAMES = {paths!r}\n" + _READ_CHILD)
    for path in paths:
        values = got[path + ":values"]
        np.testing.assert_array_equal(values, np.arange(np.prod(SIZE)), err_msg=path)
        np.testing.assert_allclose(got[path + ":points"], _nibabel_points(path, values), atol=1e-4,
                                   err_msg=path)


@NEEDS_PYVISTA
def test_a_dicom_folder_a_file_and_a_bare_name(tmp_path):
    volume, positions, paths = dicomcase.make_series(tmp_path / "series")
    # A second, shorter series in the same folder, read when asked for by its UID.
    small = (index_values((3,) + volume.shape[1:], 1, np.int16) + 5000).astype(np.int16)
    uid = "1.2.826.0.1.3680043.8.498.77"
    for path in dicomcase.make_series(tmp_path / "other", volume=small, series_uid=uid)[2]:
        os.rename(path, tmp_path / "series" / ("other_" + os.path.basename(path)))
    (tmp_path / "bare").mkdir()
    bare = str(tmp_path / "bare" / "IM0003")  # DICOM files often have no extension
    with open(paths[3], "rb") as stream, open(bare, "wb") as copy:
        copy.write(stream.read())
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no images here")
    code = f"""
    for key, path, options in [("folder", {str(tmp_path / "series")!r}, {{}}),
                               ("file", {paths[3]!r}, {{}}),
                               ("alone", {paths[3]!r}, {{"whole_series": False}}),
                               ("bare", {bare!r}, {{}}),
                               ("small", {str(tmp_path / "series")!r}, {{"series_id": {uid!r}}})]:
        mesh = pv.read(path, **options)
        results[key + ":points"] = np.asarray(mesh.points)
        results[key + ":values"] = np.asarray(mesh.active_scalars)
        results[key + ":dims"] = np.array(mesh.dimensions)
    reader = pv.get_reader({str(tmp_path / "series")!r})
    results["reader"] = np.array(type(reader).__name__)
    results["series_ids"] = np.array(reader.series_ids)
    try:
        pv.read({str(tmp_path / "notes")!r})
    except OSError as error:
        results["not_dicom"] = np.array(f"{{type(error).__name__}}: {{error}}")
    """
    got = _run_child(tmp_path, code)
    nz, ny, nx = volume.shape
    row, col = dicomcase.R[:, 0], dicomcase.R[:, 1]
    k, j, i = np.indices(volume.shape).reshape(3, -1)
    # Expected from what was written: ImagePositionPatient + i * row * dx + j * column * dy.
    expected = positions[k] + np.outer(i * dicomcase.DX, row) + np.outer(j * dicomcase.DY, col)
    for key in ("folder", "file"):
        assert tuple(got[key + ":dims"]) == (nx, ny, nz)
        np.testing.assert_allclose(got[key + ":points"], expected, atol=1e-4)
        np.testing.assert_array_equal(got[key + ":values"], volume.ravel())
    for key in ("alone", "bare"):
        assert tuple(got[key + ":dims"]) == (nx, ny, 1)
        np.testing.assert_allclose(got[key + ":points"], expected[k == 3], atol=1e-4)
        np.testing.assert_array_equal(got[key + ":values"], volume[3].ravel())
    assert tuple(got["small:dims"]) == (nx, ny, 3)
    np.testing.assert_allclose(got["small:points"], expected[k < 3], atol=1e-4)
    np.testing.assert_array_equal(got["small:values"], small.ravel())
    assert str(got["reader"]) == "SimpleITKImageReader"
    assert len(got["series_ids"]) == 2 and got["series_ids"][1] == uid
    assert str(got["not_dicom"]).startswith(f"ReadError: {tmp_path / 'notes'}: ")


@NEEDS_PYVISTA
def test_time_steps_of_a_4d_file_read_one_volume_each(tmp_path):
    paths = []
    for name in ("series.nii", "series.mha"):
        paths.append(str(tmp_path / name))
        sitk.WriteImage(image_4d(), paths[-1])
    code = f"""
    for path in {paths!r}:
        reader = pv.get_reader(path)
        results[path + ":time_reader"] = np.array(isinstance(reader, pv.TimeReader))
        results[path + ":times"] = np.array(reader.time_values)
        read_steps = []
        original = reader.reader.ReadImage  # the one call that reads voxels: which volumes
        reader.reader.ReadImage = lambda extent, step=0: (read_steps.append(step), original(extent, step))[1]
        for k in (2, 0, 1):
            reader.set_active_time_point(k)
            results[f"{{path}}:{{k}}"] = np.asarray(reader.read().active_scalars)
        results[path + ":read_steps"] = np.array(read_steps)
        results[path + ":first"] = np.asarray(pv.read(path).active_scalars)
        mesh = pv.read(path)
        results[path + ":origin"] = np.array(mesh.origin)
        results[path + ":direction"] = np.array(mesh.direction_matrix)
    """
    got = _run_child(tmp_path, code)
    image = image_4d()
    for path in paths:
        assert bool(got[path + ":time_reader"])
        np.testing.assert_allclose(got[path + ":times"], ORIGIN_4D[3] + SPACING_4D[3] * np.arange(SIZE_4D[3]))
        for k in range(SIZE_4D[3]):
            np.testing.assert_array_equal(got[f"{path}:{k}"], xyzt_values()[k].ravel())
        assert list(got[path + ":read_steps"]) == [2, 0, 1]  # each read took its volume alone
        np.testing.assert_array_equal(got[path + ":first"], xyzt_values()[0].ravel())
        np.testing.assert_allclose(got[path + ":origin"], ORIGIN_4D[:3], atol=1e-6)
        direction = np.reshape(image.GetDirection(), (4, 4))[:3, :3]
        np.testing.assert_allclose(got[path + ":direction"], direction, atol=1e-6)


@NEEDS_PYVISTA
def test_reader_object_keywords_progress_errors_zero_copy(tmp_path):
    path = str(tmp_path / "image.nii.gz")
    sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE), path)
    cut = tmp_path / "cut.nii"
    sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE), str(cut))
    cut.write_bytes(cut.read_bytes()[:-100])
    png = str(tmp_path / "picture.png")
    sitk.WriteImage(sitk.GetImageFromArray(np.zeros((4, 5), np.uint8)), png)
    code = f"""
    path = {path!r}
    results["lps"] = np.array(pv.read(path).origin)
    results["ras"] = np.array(pv.read(path, coordinate_system="RAS").origin)
    results["progress"] = np.array(pv.read(path, progress_bar=True).dimensions)
    reader = pv.get_reader(path)
    results["class"] = np.array(type(reader).__name__)
    mesh = reader.read()
    pipeline = reader.reader.GetOutputDataObject(0)
    results["same_buffer"] = np.array(
        mesh.GetPointData().GetScalars().GetVoidPointer(0) == pipeline.GetPointData().GetScalars().GetVoidPointer(0))
    try:
        pv.read({str(cut)!r})
    except Exception as error:
        results["error_type"] = np.array(type(error).__name__)
        results["error_is_oserror"] = np.array(isinstance(error, OSError))
        results["error"] = np.array(str(error))
    broken = pv.get_reader(path)  # a fault sitkvtk did not describe: still an error, never an empty image
    broken.reader.ReadImage = lambda *args: 1 / 0
    try:
        broken.read()
    except OSError as error:
        results["fault"] = np.array(f"{{type(error).__name__}}: {{error}}")
    import warnings
    with warnings.catch_warnings(record=True) as caught:  # PyVista's error observer saw nothing
        warnings.simplefilter("always")
        pv.read(path)
    results["warnings"] = np.array([str(w.message) for w in caught], dtype=str)
    registered = {{r.extension: r for r in pv.registered_readers()}}
    results["override"] = np.array(registered[".nii.gz"].override)
    results["source"] = np.array(registered[".nii.gz"].source)
    # Pictures and legacy VTK files stay with PyVista's own readers.
    results["png_reader"] = np.array(type(pv.get_reader({png!r})).__name__)
    """
    got = _run_child(tmp_path, code)
    np.testing.assert_allclose(got["ras"], got["lps"] * [-1, -1, 1])
    assert tuple(got["progress"]) == SIZE
    assert str(got["class"]) == "SimpleITKImageReader"
    assert bool(got["same_buffer"])  # PyVista's ImageData holds the reader's voxels, not a copy
    assert str(got["error_type"]) == "ReadError" and bool(got["error_is_oserror"])
    assert str(got["error"]).startswith(f"{cut}: ") and "truncated" in str(got["error"])
    assert str(got["fault"]).startswith(f"ReadError: {path}: the pipeline failed")
    assert list(got["warnings"]) == []
    assert bool(got["override"])
    assert str(got["source"]) == "sitkvtk.pyvista_io:SimpleITKImageReader"
    assert str(got["png_reader"]) == "PNGReader"


# -- saving ----------------------------------------------------------------------------

_SAVED = ("made.nii.gz", "made.nrrd", "made.mha", "made.mhd", "made.nhdr", "made.mnc", "made.nii")
_MADE_SPACING, _MADE_ORIGIN = (0.8, 1.1, 2.4), (-20.5, 14.0, 3.25)


_DTYPES = (np.int16, np.float32, np.uint8)


@NEEDS_PYVISTA
def test_save_keeps_geometry_and_pixel_type(tmp_path):
    source = _folder(tmp_path, "source.nii.gz")
    sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE), source)
    code = f"""
    import os
    for dtype in {[np.dtype(d).name for d in _DTYPES]!r}:
        made = pv.ImageData(dimensions={SIZE!r}, spacing={_MADE_SPACING!r}, origin={_MADE_ORIGIN!r},
                            direction_matrix=np.array({rotation_3d().tolist()!r}))
        values = np.arange({int(np.prod(SIZE))}) + (0.25 if dtype == "float32" else 0)
        made.point_data["values"] = values.astype(dtype)  # each voxel's own index
        os.mkdir(dtype)
        for name in {_SAVED!r}:
            made.save(os.path.join(dtype, name))
    pv.read({source!r}).save("again.nrrd")  # read by sitkvtk, saved by sitkvtk
    for key, mesh, name in [("oblique", made, "refused.gipl"), ("mesh", pv.Sphere(), "refused.nrrd")]:
        try:
            mesh.save(name)
        except Exception as error:
            results[key + ":type"] = np.array(type(error).__name__)
            results[key + ":error"] = np.array(str(error))
    """
    got = _run_child(tmp_path, code)
    rotation = rotation_3d()
    linear = np.arange(np.prod(SIZE))
    i, j, k = linear % SIZE[0], (linear // SIZE[0]) % SIZE[1], linear // (SIZE[0] * SIZE[1])
    made_points = _MADE_ORIGIN + (np.stack([i, j, k], 1) * _MADE_SPACING) @ rotation.T
    for dtype in _DTYPES:
        values = index_values(SIZE[::-1], 1, dtype)
        for name in _SAVED:
            path = str(tmp_path / np.dtype(dtype).name / name)
            image = sitk.ReadImage(path)
            assert image.GetPixelID() == sitk.GetImageFromArray(values).GetPixelID(), path
            np.testing.assert_array_equal(sitk.GetArrayViewFromImage(image), values, err_msg=path)
            if name.endswith(".mnc"):  # SimpleITK misplaces MINC (ITK < 6): nibabel below
                np.testing.assert_allclose(_nibabel_points(path, linear), made_points, atol=1e-4)
                continue
            np.testing.assert_allclose(image.GetOrigin(), _MADE_ORIGIN, atol=1e-4, err_msg=path)
            np.testing.assert_allclose(image.GetSpacing(), _MADE_SPACING, atol=1e-6, err_msg=path)
            np.testing.assert_allclose(np.reshape(image.GetDirection(), (3, 3)), rotation, atol=1e-5,
                                       err_msg=path)
        # nibabel's voxel v lands where PyVista's voxel v was.
        path = str(tmp_path / np.dtype(dtype).name / "made.nii.gz")
        np.testing.assert_allclose(_nibabel_points(path, linear), made_points, atol=1e-4)
    again = sitk.ReadImage(str(tmp_path / "again.nrrd"))
    assert again.GetPixelID() == sitk.sitkInt16
    np.testing.assert_allclose(_sitk_points(again), _sitk_points(sitk.ReadImage(source)), atol=1e-5)
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(again), index_values(SIZE[::-1], 1, np.int16))
    # Refused with sitkvtk's message (the file and the reason), and nothing left behind.
    assert str(got["oblique:type"]) == "WriteError" and "does not keep" in str(got["oblique:error"])
    assert str(got["oblique:error"]).startswith(str(tmp_path / "refused.gipl"))
    assert str(got["mesh:type"]) == "WriteError" and str(got["mesh:error"]).startswith(str(tmp_path))
    assert not (tmp_path / "refused.gipl").exists() and not (tmp_path / "refused.nrrd").exists()


# -- without PyVista -------------------------------------------------------------------

_BLOCK_PYVISTA = """
import sys
import numpy as np

class _NoPyVista:  # as if PyVista were not installed; records who asked for it
    asked = []

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "pyvista":
            self.asked.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, _NoPyVista())
results = {}
"""


def test_without_pyvista_sitkvtk_works_and_imports_nothing_of_it(tmp_path):
    path = str(tmp_path / "image.nii.gz")
    sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE), path)
    code = f"""
    import sitkvtk
    from sitkvtk.cli import main
    image = sitkvtk.read({path!r})
    sitkvtk.write(image, "copy.nrrd")
    main(["info", {path!r}])
    results["origin"] = np.array(image.GetOrigin())
    results["asked"] = np.array(_NoPyVista.asked, dtype=str)
    results["loaded"] = np.array(sorted(m for m in sys.modules if "pyvista" in m), dtype=str)
    try:
        import pyvista  # the block works: PyVista is out of reach
    except ModuleNotFoundError:
        results["blocked"] = np.array(True)
    """
    got = _run_child(tmp_path, code, prelude=_BLOCK_PYVISTA)
    np.testing.assert_allclose(got["origin"], oblique_image(np.int16, 3, size=SIZE).GetOrigin())
    assert (tmp_path / "copy.nrrd").exists()
    assert list(got["asked"]) == [] and list(got["loaded"]) == []
    assert bool(got["blocked"])


# -- what is registered ------------------------------------------------------------------

@NEEDS_PYVISTA
def test_entry_points_follow_the_module_tables(tmp_path):
    got = _run_child(tmp_path, """
    from pyvista.core.utilities.reader import CLASS_READERS
    from sitkvtk import pyvista_io
    from sitkvtk.formats.registry import extensions
    results["pyvista_reads"] = np.array(sorted(CLASS_READERS), dtype=str)
    for name in ("OVERRIDDEN", "ADDED", "WRITTEN"):
        results[name] = np.array(getattr(pyvista_io, name), dtype=str)
    results["NOT_CLAIMED"] = np.array(sorted(pyvista_io.NOT_CLAIMED), dtype=str)
    results["formats"] = np.array(["." + e for e in extensions()], dtype=str)
    """)
    reader, writer = "sitkvtk.pyvista_io:SimpleITKImageReader", "sitkvtk.pyvista_io:save"

    def group(name):
        return {ep.name: ep.value for ep in entry_points(group=name)}

    assert group("pyvista.readers.override") == dict.fromkeys(got["OVERRIDDEN"], reader)
    assert group("pyvista.readers") == dict.fromkeys(got["ADDED"], reader)
    assert group("pyvista.writers") == dict.fromkeys(got["WRITTEN"], writer)
    pyvista_reads = set(got["pyvista_reads"])
    overridden = set(got["OVERRIDDEN"]) - {"."}
    # An override where PyVista reads the extension, a plain registration where it does not.
    assert overridden <= pyvista_reads and not set(got["ADDED"]) & pyvista_reads
    # Every extension of sitkvtk's formats is claimed, or left with its reason.
    assert set(got["formats"]) == overridden | set(got["ADDED"]) | set(got["NOT_CLAIMED"])

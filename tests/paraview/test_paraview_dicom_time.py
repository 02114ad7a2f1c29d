"""ParaView, for real (pvbatch): DICOM folders and series choice, time steps and file
series, and File > Save Data from the reader's default output of an oblique image.

tests/paraview/pv_dicom_time.py runs inside pvbatch and reports what ParaView gave; here it is
checked against geometry computed independently (ImagePositionPatient and friends,
SimpleITK's index-to-world) and against sitkvtk in this Python. The lattice recovery
the writer relies on is checked in plain VTK in tests/test_world_grid.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

import dicomgen
import sitkvtk
from pvtools import pv_env, tool
from synthetic import corners, index_values, oblique_image, rotation_3d

SCRIPT = Path(__file__).resolve().parent / "pv_dicom_time.py"

R_A, R_B = rotation_3d(), rotation_3d(0.1, 0.2, -0.4)
SERIES = {  # shape (z, y, x), spacing (x, y, z), origin, direction, value offset, description
    "A": ((6, 8, 10), (0.7, 1.3, 2.1), (-12.5, 33.25, -7.75), R_A, 0, "big one"),
    "B": ((4, 5, 7), (0.9, 0.8, 1.5), (5.0, -6.0, 7.0), R_B, 1000, "small one"),
}
SIZE_4D = (6, 5, 4, 3)  # x, y, z, t
ORIGIN_4D = (-20.0, 13.5, 7.25, 2.5)
SPACING_4D = (0.9, 1.4, 2.2, 0.75)


# -- running pvbatch ----------------------------------------------------------------------
def _pvbatch(folder: Path, command: str, *arguments) -> tuple[dict, str]:
    """Run one command of pv_dicom_time.py with the README's one line of set-up."""
    env = pv_env()
    out = folder / f"{command}.json"
    command_line = [tool("pvbatch"), str(SCRIPT), command, str(out), *map(str, arguments)]
    result = subprocess.run(command_line, env=env, cwd=folder, capture_output=True, text=True,
                            timeout=300)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert f"pv_dicom_time done {command}" in result.stdout, log
    return json.loads(out.read_text()), log


def _to_index(points, spacing, origin, direction) -> np.ndarray:
    """Continuous (i, j, k) of world points, from the geometry the test wrote."""
    matrix = np.asarray(direction) @ np.diag(spacing)
    return (np.asarray(points) - np.asarray(origin)) @ np.linalg.inv(matrix).T


# -- DICOM folders ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dicom_folder(tmp_path_factory):
    """Two oblique series in one folder, files shuffled; series B's names start with b_."""
    folder = tmp_path_factory.mktemp("two_series")
    written = {}
    for name, (shape, spacing, origin, direction, offset, text) in SERIES.items():
        volume = (index_values(shape, 1, np.int16) + offset).astype(np.int16)
        positions = dicomgen.slice_positions(origin, direction, spacing[2], shape[0])
        staging = folder / f"staging_{name}"
        paths = dicomgen.write_series(staging, volume, spacing_xy=spacing[:2],
                                      positions=positions, direction=direction,
                                      description=text, seed=len(name) + offset)
        moved = []
        for path in paths:
            target = folder / (("b_" if name == "B" else "") + os.path.basename(path))
            shutil.move(path, target)
            moved.append(str(target))
        staging.rmdir()
        written[name] = (volume, positions, moved)
    return folder, written


@pytest.fixture(scope="module")
def dicom_seen(dicom_folder, tmp_path_factory, paraview):
    folder, written = dicom_folder
    return _pvbatch(tmp_path_factory.mktemp("pv_dicom"), "dicom", folder, written["A"][2][0])


@pytest.mark.paraview
def test_folder_opens_with_the_folder_reader_and_lists_its_series(dicom_folder, dicom_seen):
    folder, written = dicom_folder
    seen, _ = dicom_seen
    assert seen["offered"] == ["SimpleITKDICOMFolderReader"]
    assert seen["xml_name"] == "SimpleITKDICOMFolderReader"
    uids = {name: pydicom.dcmread(paths[0]).SeriesInstanceUID
            for name, (_, _, paths) in written.items()}
    # Most slices first; each choice shows more than the UID.
    assert seen["series_list"] == seen["available"] == [
        f'{uids["A"]}: CT "big one" 6 slices 10x8', f'{uids["B"]}: CT "small one" 4 slices 7x5']
    assert seen["default"] == seen["available"][0]
    assert seen["default_summary"]["fields"]["DICOM_SeriesInstanceUID"] == uids["A"]


@pytest.mark.paraview
@pytest.mark.parametrize("name", ["A", "B"])
def test_each_series_is_where_its_slices_say(dicom_folder, dicom_seen, name):
    folder, written = dicom_folder
    seen, _ = dicom_seen
    shape, spacing, _, direction, _, text = SERIES[name]
    volume, positions, paths = written[name]
    uid = pydicom.dcmread(paths[0]).SeriesInstanceUID
    got = next(summary for choice, summary in seen["series"].items()
               if choice.startswith(uid + ":"))
    assert got["type"] == "vtkStructuredGrid"  # oblique: world points in the default mode
    # The same as sitkvtk in plain VTK ...
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(str(folder))
    reader.SetSeriesID(uid)
    reader.Update()
    expected = reader.GetOutputDataObject(0)
    assert got["points"] == expected.GetNumberOfPoints() == volume.size
    np.testing.assert_allclose(got["bounds"], expected.GetBounds(), atol=1e-4)
    assert got["range"] == list(expected.GetPointData().GetScalars().GetRange())
    # ... and every point where ImagePositionPatient + i * row * dx + j * column * dy puts it.
    nz, ny, nx = shape
    k, j, i = np.indices(shape).reshape(3, -1)
    world = (positions[k] + np.outer(i * spacing[0], direction[:, 0])
             + np.outer(j * spacing[1], direction[:, 1]))
    np.testing.assert_allclose(got["xyz"], world, atol=1e-4)
    np.testing.assert_array_equal(np.ravel(got["values"]), volume.ravel())
    fields = got["fields"]
    assert fields["DICOM_SeriesInstanceUID"] == uid
    assert fields["DICOM_SeriesDescription"] == text
    assert fields["DICOM_Modality"] == "CT"
    iop = np.array(fields["DICOM_ImageOrientationPatient"].split("\\"), dtype=float)
    np.testing.assert_allclose(iop, np.concatenate([direction[:, 0], direction[:, 1]]), atol=1e-9)
    assert {"DICOM_ImagePositionPatient", "DICOM_PixelSpacing", "DICOM_WindowCenter"} <= set(fields)


@pytest.mark.paraview
def test_series_by_bare_uid_and_a_file_with_or_without_its_series(dicom_seen):
    seen, _ = dicom_seen
    assert seen["bare_uid"] == int(np.prod(SERIES["B"][0]))
    assert seen["file_whole"] == int(np.prod(SERIES["A"][0]))  # WholeSeries, the default
    assert seen["file_alone"] == 10 * 8  # one slice
    # The GUI's grouped img..dcm (every file of a series) is that series, not time steps.
    assert seen["grouped"] == {"points": int(np.prod(SERIES["A"][0])), "times": []}


# -- time -----------------------------------------------------------------------------------
def _xyzt(t_index=None) -> np.ndarray:
    """(t, z, y, x) values x + 10 y + 100 z + 1000 t."""
    t, z, y, x = np.indices(SIZE_4D[::-1])
    values = x + 10 * y + 100 * z + 1000 * t
    return values if t_index is None else values[t_index]


@pytest.fixture(scope="module")
def time_seen(tmp_path_factory, paraview):
    folder = tmp_path_factory.mktemp("time")
    image = sitk.GetImageFromArray(_xyzt().astype(np.int32), isVector=False)
    direction = np.eye(4)
    direction[:3, :3] = rotation_3d()
    image.SetDirection(direction.ravel().tolist())
    image.SetOrigin(ORIGIN_4D)
    image.SetSpacing(SPACING_4D)
    four_d = folder / "fmri.nii.gz"
    sitk.WriteImage(image, str(four_d))
    series = folder / "series"
    series.mkdir()
    for t in range(SIZE_4D[3]):
        volume = sitk.GetImageFromArray(_xyzt(t).astype(np.int32))
        volume.SetDirection(rotation_3d().ravel().tolist())
        volume.SetOrigin(ORIGIN_4D[:3])
        volume.SetSpacing(SPACING_4D[:3])
        sitk.WriteImage(volume, str(series / f"scan_{t:03d}.nii.gz"))
    probe_index = [(1, 1, 1), (4, 3, 2), (2, 3, 1)]
    probes = folder / "probes.json"
    probes.write_text(json.dumps([_world(index) for index in probe_index]))
    seen, _ = _pvbatch(folder, "time", four_d, probes, series)
    return seen, sitk.ReadImage(str(four_d)), probe_index, series


def _world(index) -> list[float]:
    matrix = rotation_3d() @ np.diag(SPACING_4D[:3])
    return (np.array(ORIGIN_4D[:3]) + matrix @ np.asarray(index, dtype=float)).tolist()


def _check_step(summary, t_index):
    """Every point's value is x + 10 y + 100 z + 1000 t of the voxel at that world point."""
    assert summary["type"] == "vtkStructuredGrid"
    index = _to_index(summary["xyz"], SPACING_4D[:3], ORIGIN_4D[:3], rotation_3d())
    np.testing.assert_allclose(index, np.round(index), atol=1e-4)
    x, y, z = np.round(index).astype(int).T
    expected = x + 10 * y + 100 * z + 1000 * t_index
    np.testing.assert_array_equal(np.ravel(summary["values"]), expected)
    assert summary["range"] == [1000 * t_index, 1000 * t_index + 345]


@pytest.mark.paraview
def test_timestep_values_are_the_files_time_axis(time_seen):
    seen, written, _, _ = time_seen
    assert seen["xml_name"] == "SimpleITKReader"  # ParaView 5.11 has no NIfTI reader of its own
    expected = [written.GetOrigin()[3] + written.GetSpacing()[3] * t for t in range(SIZE_4D[3])]
    np.testing.assert_allclose(seen["times"], expected)
    np.testing.assert_allclose(seen["times"], [2.5, 3.25, 4.0])


@pytest.mark.paraview
def test_update_pipeline_at_each_time_gives_that_volume(time_seen):
    seen, _, probe_index, _ = time_seen
    for t_index, time in enumerate(seen["times"]):
        _check_step(seen["steps"][repr(time)], t_index)
        expected = [x + 10 * y + 100 * z + 1000 * t_index for x, y, z in probe_index]
        np.testing.assert_allclose(seen["probes"][repr(time)], expected, atol=1e-3)


@pytest.mark.paraview
def test_time_as_components_switch(time_seen):
    seen, _, _, _ = time_seen
    components = seen["as_components"]
    assert components["times"] == []
    assert components["components"] == 3
    assert components["component_names"] == ["t=2.5", "t=3.25", "t=4"]
    values = np.array(components["values"])
    np.testing.assert_array_equal(values[:, 1] - values[:, 0], 1000)
    np.testing.assert_array_equal(values[:, 2] - values[:, 0], 2000)
    index = _to_index(components["xyz"], SPACING_4D[:3], ORIGIN_4D[:3], rotation_3d())
    x, y, z = np.round(index).astype(int).T
    np.testing.assert_array_equal(values[:, 0], x + 10 * y + 100 * z)


@pytest.mark.paraview
def test_grouped_file_series_opens_as_time_steps(time_seen):
    seen, _, _, folder = time_seen
    files = [str(folder / f"scan_{t:03d}.nii.gz") for t in range(SIZE_4D[3])]
    assert seen["groups"] == {"scan_..nii.gz": files}  # what File > Open lists
    series = seen["series"]
    assert series["xml_name"] == "SimpleITKReader"
    assert series["file_names"] == files
    assert series["times"] == [0.0, 1.0, 2.0]  # files have no time of their own: their index
    for t_index, time in enumerate(series["times"]):
        _check_step(series["steps"][repr(time)], t_index)


# -- saving --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def save_seen(tmp_path_factory, paraview):
    folder = tmp_path_factory.mktemp("save")
    image = oblique_image("int16", 3, size=(7, 6, 5))
    source = folder / "in.nii.gz"
    sitk.WriteImage(image, str(source))
    four = folder / "four.mha"
    volumes = [oblique_image(np.float32, size=(4, 3, 2)) + 100.0 * t for t in range(3)]
    four_image = sitk.JoinSeries(volumes)
    four_image.SetOrigin(volumes[0].GetOrigin() + (10.0,))
    four_image.SetSpacing(volumes[0].GetSpacing() + (0.5,))
    sitk.WriteImage(four_image, str(four))
    out = folder / "out"
    out.mkdir()
    seen, log = _pvbatch(folder, "save", source, out, four, 11.0)
    return seen, log, image, volumes, out


@pytest.mark.paraview
def test_save_data_is_offered_for_the_default_output(save_seen):
    seen, _, _, _, _ = save_seen
    assert seen["reader_type"] == seen["calculator_type"] == "vtkStructuredGrid"
    assert "SimpleITK image" in seen["file_types"]
    assert set(seen["written"].values()) == {"SimpleITKWriter"}


@pytest.mark.paraview
@pytest.mark.parametrize("name", ["out.nii.gz", "out.nrrd"])
def test_saved_grid_has_the_values_and_the_corners_of_the_original(save_seen, name):
    _, _, image, _, out = save_seen
    written = sitk.ReadImage(str(out / name))
    assert written.GetSize() == image.GetSize()
    expected = 2.0 * sitk.GetArrayViewFromImage(image) + 1
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written), expected)
    for corner in corners(image.GetSize()):
        np.testing.assert_allclose(written.TransformIndexToPhysicalPoint(corner),
                                   image.TransformIndexToPhysicalPoint(corner), atol=1e-4)
    direction = np.reshape(written.GetDirection(), (3, 3))
    np.testing.assert_allclose(direction, rotation_3d(), atol=1e-5)


@pytest.mark.paraview
def test_warped_grid_is_refused_with_a_reason(save_seen):
    seen, log, _, _, out = save_seen
    assert seen["warped_type"] == "vtkStructuredGrid"
    reason = "the structured grid's points are not a regular lattice"
    assert f"SimpleITK Writer: {out / 'warped.nii.gz'}: {reason}" in log
    assert not (out / "warped.nii.gz").exists()


@pytest.mark.paraview
def test_writer_saves_the_time_step_shown(save_seen):
    seen, _, _, volumes, out = save_seen
    assert seen["four_type"] == "vtkStructuredGrid"
    written = sitk.ReadImage(str(out / "step.nrrd"))
    step = volumes[2]  # time 11.0 = 10.0 + 2 * 0.5
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written),
                                  sitk.GetArrayViewFromImage(step))
    for corner in corners(step.GetSize()):
        np.testing.assert_allclose(written.TransformIndexToPhysicalPoint(corner),
                                   step.TransformIndexToPhysicalPoint(corner), atol=1e-4)

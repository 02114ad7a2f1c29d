"""Writing: read -> write -> read round trips, VTK-made images, MINC, failures (the CLI's convert: test_cli.py).

Every round trip checks voxel values (which encode their own index), pixel type,
components and the world position of every corner.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkIOXML import vtkXMLImageDataReader

import sitkvtk
from synthetic import corners, index_values, oblique_image, vtk_made_image, vtk_values, vtk_world

# SimpleITK < 2.4 (ITK 5.3) writes TIFF in 8 and 16 bits and float32 only (sitkvtk.write refuses
# 32-bit integers there with its reason).
NO_TIFF_32 = pytest.mark.skipif((sitk.Version.MajorVersion(), sitk.Version.MinorVersion()) < (2, 4),
                                reason="SimpleITK < 2.4 cannot write a 32-bit integer TIFF")
INTS = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
FLOATS = ["float32", "float64"]
ALL = INTS + FLOATS

# Formats that keep an oblique geometry, with the pixel types SimpleITK writes to them.
OBLIQUE_FORMATS = {
    ".nii": ALL, ".nii.gz": ALL, ".hdr": ALL, ".nrrd": ALL, ".nhdr": ALL,
    ".mha": ALL, ".mhd": ALL, ".vti": ALL, ".mnc": INTS[:6] + FLOATS,
}
ROUND_TRIPS = [
    pytest.param(ext, dtype, ncomp, id=f"{ext[1:]}-{dtype}-{ncomp}c")
    for ext, types in OBLIQUE_FORMATS.items()
    for dtype in types
    for ncomp in (1, 3)
]


def _read(path) -> vtkImageData:
    """sitkvtk.read, or VTK's XML reader for .vti (SimpleITK does not read it)."""
    if str(path).endswith(".vti"):
        reader = vtkXMLImageDataReader()
        reader.SetFileName(str(path))
        reader.Update()
        return reader.GetOutput()
    return sitkvtk.read(path)


def _assert_same(got: vtkImageData, expected: vtkImageData, atol=1e-6):
    assert got.GetDimensions() == expected.GetDimensions()
    got_scalars = got.GetPointData().GetScalars()
    expected_scalars = expected.GetPointData().GetScalars()
    assert got_scalars.GetNumberOfComponents() == expected_scalars.GetNumberOfComponents()
    # compared as numpy types: VTK_LONG and VTK_LONG_LONG are both int64 here
    assert vtk_values(got).dtype == vtk_values(expected).dtype
    np.testing.assert_array_equal(vtk_values(got), vtk_values(expected))
    extent = expected.GetExtent()
    for corner in corners(expected.GetDimensions()):
        index = [extent[2 * axis] + corner[axis] for axis in range(3)]
        np.testing.assert_allclose(vtk_world(got, index), vtk_world(expected, index), atol=atol)


def _source(tmp_path, ext, image: sitk.Image) -> str:
    """``image`` written by SimpleITK itself in format ``ext`` (.mha for .vti)."""
    path = str(tmp_path / f"source{'.mha' if ext == '.vti' else ext}")
    sitk.WriteImage(image, path)
    return path


@pytest.mark.parametrize(("ext", "dtype", "ncomp"), ROUND_TRIPS)
def test_round_trip_is_lossless(tmp_path, ext, dtype, ncomp):
    first = sitkvtk.read(_source(tmp_path, ext, oblique_image(dtype, 3, ncomp)))
    target = tmp_path / f"written{ext}"
    sitkvtk.write(first, target)
    _assert_same(_read(target), first)


@pytest.mark.parametrize("ext", [".nii.gz", ".nrrd", ".vti"])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_round_trip(tmp_path, ext, dtype):
    if ext == ".vti":
        first = sitkvtk.vtk_image_from_image(oblique_image(dtype, 3))
    else:
        first = sitkvtk.read(_source(tmp_path, ext, oblique_image(dtype, 3)))
    target = tmp_path / f"written{ext}"
    sitkvtk.write(first, target)
    second = _read(target)
    _assert_same(second, first)
    image = sitkvtk.image_from_vtk_image(second)
    complex_type = sitk.sitkComplexFloat32 if dtype == "complex64" else sitk.sitkComplexFloat64
    assert image.GetPixelID() == complex_type


@pytest.mark.parametrize("ext", [".nii.gz", ".nrrd", ".mha", ".vti"])
@pytest.mark.parametrize("ncomp", [1, 4])
def test_2d_round_trip_stays_2d(tmp_path, ext, ncomp):
    first = sitkvtk.read(_source(tmp_path, ext, oblique_image("float32", 2, ncomp)))
    target = tmp_path / f"written{ext}"
    sitkvtk.write(first, target)
    _assert_same(_read(target), first)
    if ext != ".vti":
        assert sitk.ReadImage(str(target)).GetDimension() == 2


def _aligned(dtype, dim, ncomp) -> sitk.Image:
    """What .tif and .png can hold: origin 0, no rotation (they keep the spacing)."""
    values = index_values((3, 4, 5)[3 - dim :], ncomp, dtype)
    image = sitk.GetImageFromArray(values, isVector=ncomp > 1)
    image.SetSpacing((0.5, 1.25, 2.0)[:dim])
    return image


@pytest.mark.parametrize(
    ("ext", "dtype", "dim", "ncomp"),
    [(".png", t, 2, c) for t in ("uint8", "uint16") for c in (1, 3, 4)]
    + [pytest.param(".tif", t, d, c, marks=[NO_TIFF_32] if t in ("int32", "uint32") else [])
       for t in INTS[:6] + ["float32"] for d in (2, 3) for c in (1, 3)],
)
def test_round_trip_tif_png_where_they_apply(tmp_path, ext, dtype, dim, ncomp):
    first = sitkvtk.read(_source(tmp_path, ext, _aligned(dtype, dim, ncomp)))
    target = tmp_path / f"written{ext}"
    sitkvtk.write(first, target)
    _assert_same(_read(target), first)


def test_cross_format_keeps_geometry(tmp_path):
    """.mha (double header) -> .nii.gz (float32 header): geometry to float32 rounding."""
    first = sitkvtk.read(_source(tmp_path, ".mha", oblique_image("int16", 3)))
    sitkvtk.write(first, tmp_path / "written.nii.gz")
    _assert_same(sitkvtk.read(tmp_path / "written.nii.gz"), first, atol=1e-4)


# -- images made in VTK -------------------------------------------------------------
@pytest.mark.parametrize(("ext", "atol"), [(".nii.gz", 1e-4), (".nrrd", 1e-9), (".mha", 1e-9)])
def test_vtk_made_image_is_where_simpleitk_says(tmp_path, ext, atol):
    image = vtk_made_image()
    path = str(tmp_path / f"vtk{ext}")
    sitkvtk.write(image, path)
    read = sitk.ReadImage(path)
    extent = image.GetExtent()
    assert read.GetSize() == image.GetDimensions()
    for corner in corners(read.GetSize()):
        vtk_index = [extent[2 * axis] + corner[axis] for axis in range(3)]
        np.testing.assert_allclose(
            read.TransformIndexToPhysicalPoint(corner), vtk_world(image, vtk_index), atol=atol
        )
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(read), vtk_values(image))


def test_point_data_chosen_by_name_and_cell_data_refused(tmp_path):
    image = vtk_made_image()
    second = numpy_support.numpy_to_vtk(np.arange(60, dtype=np.int16) * 2, deep=True)
    second.SetName("doubled")
    image.GetPointData().AddArray(second)
    image.GetPointData().SetActiveScalars(None)
    with pytest.raises(sitkvtk.WriteError, match="several point-data arrays"):
        sitkvtk.write(image, tmp_path / "a.nrrd")
    sitkvtk.write(image, tmp_path / "a.nrrd", array_name="doubled")
    written = sitk.ReadImage(str(tmp_path / "a.nrrd"))
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written).ravel(), np.arange(60) * 2)
    cells = numpy_support.numpy_to_vtk(np.zeros(4 * 3 * 2), deep=True)
    cells.SetName("cells")
    image.GetCellData().AddArray(cells)
    with pytest.raises(ValueError, match="'cells' is cell data"):
        sitkvtk.image_from_vtk_image(image, "cells")
    only_cells = vtkImageData()
    only_cells.CopyStructure(image)
    only_cells.GetCellData().AddArray(cells)
    with pytest.raises(sitkvtk.WriteError, match="only cell data"):
        sitkvtk.write(only_cells, tmp_path / "b.nrrd")
    assert sorted(os.listdir(tmp_path)) == ["a.nrrd"]


# -- MINC: checked by nibabel ----------------------------------------------------------
def test_minc_is_written_in_ras(tmp_path):
    import nibabel

    image = oblique_image("float32", 3)
    path = tmp_path / "written.mnc"
    sitkvtk.write(sitkvtk.vtk_image_from_image(image), path)
    minc = nibabel.load(str(path))
    data = np.asarray(minc.dataobj)
    # nibabel's own array order and affine; each value says which ITK voxel it is
    nib_index = np.indices(data.shape).reshape(3, -1)
    world_ras = minc.affine[:3, :3] @ nib_index + minc.affine[:3, 3:4]
    world_lps = np.diag([-1.0, -1.0, 1.0]) @ world_ras
    linear = np.floor(data.ravel()).astype(int)
    nx, ny, _ = image.GetSize()
    itk_index = np.stack([linear % nx, linear // nx % ny, linear // (nx * ny)])
    direction = np.reshape(image.GetDirection(), (3, 3))
    expected = np.array(image.GetOrigin())[:, None] + direction @ (
        np.array(image.GetSpacing())[:, None] * itk_index
    )
    np.testing.assert_allclose(world_lps, expected, atol=1e-4)
    _assert_same(sitkvtk.read(path), sitkvtk.vtk_image_from_image(image), atol=1e-4)


# -- failures -------------------------------------------------------------------------
def test_missing_folder_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "a.nii.gz"
    with pytest.raises(sitkvtk.WriteError, match="does not exist") as error:
        sitkvtk.write(vtk_made_image(), target)
    assert error.value.filename == str(target)
    assert os.listdir(tmp_path) == []


def test_pixel_type_the_format_cannot_hold_leaves_nothing(tmp_path):
    existing = tmp_path / "kept.png"
    existing.write_bytes(b"old")
    image = sitkvtk.vtk_image_from_image(_aligned("float64", 2, 1))
    for name in ("new.png", "kept.png"):
        with pytest.raises(sitkvtk.WriteError, match=f"{name}: PNG supports"):
            sitkvtk.write(image, tmp_path / name)
    assert os.listdir(tmp_path) == ["kept.png"]
    assert existing.read_bytes() == b"old"


def test_silent_slice_drop_and_geometry_loss_are_refused(tmp_path):
    volume = sitkvtk.vtk_image_from_image(_aligned("uint8", 3, 1))
    with pytest.raises(sitkvtk.WriteError, match="stored a"):
        sitkvtk.write(volume, tmp_path / "a.png")  # SimpleITK would keep the first slice only
    oblique = sitkvtk.vtk_image_from_image(oblique_image("int16", 3))
    with pytest.raises(sitkvtk.WriteError, match="does not keep the image's direction"):
        sitkvtk.write(oblique, tmp_path / "a.vtk")
    assert os.listdir(tmp_path) == []
    sitkvtk.write(oblique, tmp_path / "a.vtk", allow_geometry_loss=True)
    assert os.listdir(tmp_path) == ["a.vtk"]


def test_force_false_refuses_to_overwrite(tmp_path):
    target = tmp_path / "a.mha"
    target.write_text("keep me")
    with pytest.raises(sitkvtk.WriteError, match="exists"):
        sitkvtk.write(vtk_made_image(), target, force=False)
    assert target.read_text() == "keep me"
    sitkvtk.write(vtk_made_image(), target)
    assert sitk.ReadImage(str(target)).GetSize() == (5, 4, 3)


@pytest.mark.parametrize(
    ("ext", "data_ext"), [(".mhd", ".zraw"), (".nhdr", ".raw.gz"), (".hdr", ".img")]
)
def test_two_file_formats_move_both_files(tmp_path, ext, data_ext):
    image = sitkvtk.vtk_image_from_image(oblique_image("int16", 3))
    sitkvtk.write(image, tmp_path / f"a{ext}")
    assert sorted(os.listdir(tmp_path)) == sorted([f"a{ext}", f"a{data_ext}"])
    sitkvtk.write(image, tmp_path / f"a{ext}")  # overwrite both
    _assert_same(sitkvtk.read(tmp_path / f"a{ext}"), image, atol=1e-4)


def test_compression_is_on_by_default(tmp_path):
    image = sitkvtk.vtk_image_from_image(sitk.Image(64, 64, 16, sitk.sitkInt16))
    sitkvtk.write(image, tmp_path / "packed.mha")
    sitkvtk.write(image, tmp_path / "plain.mha", compress=False)
    sitkvtk.write(image, tmp_path / "packed.vti")
    sitkvtk.write(image, tmp_path / "plain.vti", compress=False)
    for ext in (".mha", ".vti"):
        packed, plain = (os.path.getsize(tmp_path / f"{n}{ext}") for n in ("packed", "plain"))
        assert packed * 10 < plain


def test_dicom_where_simpleitk_writes_it(tmp_path):
    image = oblique_image("uint16", 3)
    sitkvtk.write(sitkvtk.vtk_image_from_image(image), tmp_path / "a.dcm")
    _assert_same(sitkvtk.read(tmp_path / "a.dcm"), sitkvtk.vtk_image_from_image(image), atol=1e-4)
    # ITK 5.4 refuses a 3-D signed image and was seen to abort the process doing so
    with pytest.raises(sitkvtk.WriteError, match="cannot write a 3-D 16-bit signed"):
        sitkvtk.write(sitkvtk.vtk_image_from_image(oblique_image("int16", 3)), tmp_path / "b.dcm")
    assert os.listdir(tmp_path) == ["a.dcm"]


# -- the VTK algorithm ----------------------------------------------------------------
def test_simpleitk_writer_in_a_pipeline(tmp_path):
    from vtkmodules.vtkImagingCore import vtkImageShiftScale

    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(_source(tmp_path, ".mha", oblique_image("int16", 3)))
    scale = vtkImageShiftScale()
    scale.SetInputConnection(reader.GetOutputPort())
    scale.SetScale(2.0)
    scale.SetOutputScalarTypeToFloat()
    writer = sitkvtk.SimpleITKWriter()
    writer.SetInputConnection(scale.GetOutputPort())
    writer.SetFileName(tmp_path / "doubled.nrrd")
    assert writer.GetCompression() is True
    assert writer.Write() == 1
    written = sitk.ReadImage(str(tmp_path / "doubled.nrrd"))
    assert written.GetPixelID() == sitk.sitkFloat32
    expected = np.arange(60).reshape(3, 4, 5) * 2
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(written), expected)
    _assert_same(sitkvtk.read(tmp_path / "doubled.nrrd"), scale.GetOutput())

    writer.SetFileName(tmp_path / "missing" / "x.nrrd")
    with pytest.raises(sitkvtk.WriteError, match="does not exist"):
        writer.Write()
    assert isinstance(writer.last_error, sitkvtk.WriteError)
    with pytest.raises(sitkvtk.WriteError, match="no input"):
        sitkvtk.SimpleITKWriter().Write()

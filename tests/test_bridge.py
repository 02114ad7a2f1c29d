"""The bridge (bridge.py): SimpleITK image <-> vtkImageData, zero copy where it can, and every
VTK array type given a pixel type."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import SimpleITK as sitk
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import (
    VTK_CHAR,
    VTK_ID_TYPE,
    VTK_LONG,
    VTK_LONG_LONG,
    VTK_SIGNED_CHAR,
    VTK_UNSIGNED_LONG,
    vtkBitArray,
    vtkDataArray,
    vtkSOADataArrayTemplate,
)

import sitkvtk
from synthetic import oblique_image, vtk_made_image, vtk_values


def test_zero_copy_buffer_is_simpleitk_buffer_and_outlives_everything():
    image = oblique_image(np.float32, 3, size=(7, 6, 5))
    expected = sitk.GetArrayFromImage(image).copy()
    view = sitk.GetArrayViewFromImage(image)
    vtk_image = sitkvtk.vtk_image_from_image(image)
    array = vtk_image.GetPointData().GetScalars()
    vtk_address = numpy_support.vtk_to_numpy(array).__array_interface__["data"][0]
    assert vtk_address == view.__array_interface__["data"][0]

    del image, view, array
    gc.collect()
    # Churn the allocator so a freed buffer would be overwritten.
    junk = [np.full(7 * 6 * 5, -1.0, dtype=np.float32) for _ in range(200)]
    del junk
    gc.collect()
    np.testing.assert_array_equal(vtk_values(vtk_image), expected)


def test_copy_true_owns_its_buffer():
    image = oblique_image(np.uint16, 3)
    vtk_image = sitkvtk.vtk_image_from_image(image, copy=True)
    address = numpy_support.vtk_to_numpy(vtk_image.GetPointData().GetScalars()).__array_interface__["data"][0]
    assert address != sitk.GetArrayViewFromImage(image).__array_interface__["data"][0]
    np.testing.assert_array_equal(vtk_values(vtk_image), sitk.GetArrayViewFromImage(image))


@pytest.mark.parametrize(
    ("vtk_type", "pixel_id"),
    [
        (VTK_CHAR, sitk.sitkInt8),
        (VTK_SIGNED_CHAR, sitk.sitkInt8),
        (VTK_LONG, sitk.sitkInt64),
        (VTK_UNSIGNED_LONG, sitk.sitkUInt64),
        (VTK_LONG_LONG, sitk.sitkInt64),
        (VTK_ID_TYPE, sitk.sitkInt64),
    ],
)
def test_every_vtk_integer_type_has_a_pixel_type(vtk_type, pixel_id):
    image = vtk_made_image()
    array = vtkDataArray.CreateDataArray(vtk_type)
    array.DeepCopy(image.GetPointData().GetScalars())  # values 0.25 .. 59.25 -> 0 .. 59
    image.GetPointData().SetScalars(array)
    converted = sitkvtk.image_from_vtk_image(image)
    assert converted.GetPixelID() == pixel_id
    expected = np.arange(60).reshape(3, 4, 5)
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(converted), expected)


def test_bit_and_struct_of_arrays_are_converted():
    image = vtk_made_image()
    bits = vtkBitArray()
    bits.SetNumberOfTuples(60)
    for i in range(60):
        bits.SetValue(i, i % 3 == 0)
    image.GetPointData().SetScalars(bits)
    converted = sitkvtk.image_from_vtk_image(image)
    assert converted.GetPixelID() == sitk.sitkUInt8
    expected = np.arange(60) % 3 == 0
    np.testing.assert_array_equal(sitk.GetArrayViewFromImage(converted).ravel(), expected)

    soa = vtkSOADataArrayTemplate["float64"]()
    soa.SetNumberOfComponents(2)
    soa.SetNumberOfTuples(60)
    for i in range(60):
        soa.SetTuple2(i, i, -i)
    image.GetPointData().SetScalars(soa)
    converted = sitkvtk.image_from_vtk_image(image)
    assert converted.GetPixelID() == sitk.sitkVectorFloat64
    values = sitk.GetArrayViewFromImage(converted).reshape(60, 2)
    np.testing.assert_array_equal(values, np.stack([np.arange(60), -np.arange(60)], axis=1))

"""The one pixel-type table: SimpleITK pixel IDs <-> numpy dtypes of one component.

VTK's array type follows from the numpy dtype (``numpy_support.get_vtk_array_type``).
A complex pixel is two float components (SimpleITK counts it so, and so does VTK here).
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

_NAMES = (
    ("UInt8", np.uint8), ("Int8", np.int8), ("UInt16", np.uint16), ("Int16", np.int16),
    ("UInt32", np.uint32), ("Int32", np.int32), ("UInt64", np.uint64), ("Int64", np.int64),
    ("Float32", np.float32), ("Float64", np.float64),
)


def _component_dtypes() -> dict[int, np.dtype]:
    table = {}
    for name, dtype in _NAMES:
        for prefix in ("sitk", "sitkVector", "sitkLabel"):
            if hasattr(sitk, prefix + name):
                table[getattr(sitk, prefix + name)] = np.dtype(dtype)
    table[sitk.sitkComplexFloat32] = np.dtype(np.float32)
    table[sitk.sitkComplexFloat64] = np.dtype(np.float64)
    return table


#: numpy dtype of one component, for every pixel type a file can be read as.
COMPONENT_DTYPES: dict[int, np.dtype] = _component_dtypes()

#: Pixel types that are label maps (run-length objects, not buffers).
LABEL_MAP_TYPES = frozenset(
    getattr(sitk, "sitkLabel" + name) for name, _ in _NAMES if hasattr(sitk, "sitkLabel" + name)
)

#: numpy dtypes SimpleITK has a pixel type for.
SITK_DTYPES = frozenset(np.dtype(dtype) for _, dtype in _NAMES)


def pixel_id(dtype, vector: bool) -> int:
    """The SimpleITK pixel ID of ``dtype`` components, scalar or vector."""
    name = next(n for n, d in _NAMES if np.dtype(d) == np.dtype(dtype))
    return getattr(sitk, ("sitkVector" if vector else "sitk") + name)


def widest(pixel_ids, components: int) -> int:
    """The pixel ID that holds every one of ``pixel_ids`` (numpy's promotion rules)."""
    ids = list(pixel_ids)
    if len(set(ids)) == 1:
        return ids[0]
    dtype = np.result_type(*[COMPONENT_DTYPES[p] for p in ids])
    return pixel_id(dtype, components > 1)

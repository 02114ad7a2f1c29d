"""What the file says about itself, as field data on the reader's output (every format alike).

One string array per summary entry (FileName, ImageIO, PixelType, Size, Spacing, Origin,
Direction, CoordinateSystem), ``HeaderKeys`` with one ``key = value`` per header key, and
one array per DICOM tag (``DICOM_<keyword>``, kept out of HeaderKeys so that each value
is there once). The name "MetaData" is avoided: it is a keyword of VTK's legacy format,
in which ParaView moves data between ranks.
"""

from __future__ import annotations

import numpy as np
from vtkmodules.vtkCommonCore import vtkStringArray

from .header import ImageHeader

#: Metadata keys with this prefix get an array of their own.
_OWN_ARRAY_PREFIX = "DICOM_"


def vtk_text(text: str) -> str:
    """``text`` as VTK can take it: valid UTF-8. A lone surrogate (an undecodable byte that
    SimpleITK handed over) makes VTK's wrapping pass a null string to C++, which aborts
    the process: such characters become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _numbers(values) -> str:
    return " ".join(f"{float(v):.6g}" for v in values)


def header_summary(header: ImageHeader, coordinate_system: str = "LPS") -> dict[str, str]:
    """Size and spacing as in the file, origin and direction (row-major) in
    ``coordinate_system``, and ``HeaderKeys``: the header keys as ``key = value`` lines."""
    _, origin, direction = header.world_geometry(coordinate_system)
    keys = sorted(k for k in header.metadata if not k.startswith(_OWN_ARRAY_PREFIX))
    summary = {
        "FileName": header.path,
        "ImageIO": header.io_name,
        "PixelType": f"{header.pixel_type}, {header.components} component(s)",
        "Size": " ".join(str(s) for s in header.size),
        "Spacing": _numbers(header.spacing),
        "Origin": _numbers(origin),
        "Direction": _numbers(np.ravel(direction)),
        "CoordinateSystem": coordinate_system,
        "HeaderKeys": "\n".join(f"{key} = {header.metadata[key]}" for key in keys),
    }
    return {name: vtk_text(text) for name, text in summary.items()}


def add_field_data(data, header: ImageHeader, coordinate_system: str = "LPS") -> None:
    """Put ``header``'s summary and tags on ``data`` (any vtkDataObject) as field data."""
    fields = data.GetFieldData()
    for name, text in header_summary(header, coordinate_system).items():
        fields.AddArray(_strings(name, text.split("\n") if name == "HeaderKeys" else [text]))
    for key in sorted(header.metadata):
        if key.startswith(_OWN_ARRAY_PREFIX):
            fields.AddArray(_strings(key, [header.metadata[key]]))


def _strings(name: str, values) -> vtkStringArray:
    array = vtkStringArray()
    array.SetName(name)
    for value in values:
        array.InsertNextValue(vtk_text(value))
    return array

"""MINC (.mnc, .mnc2): world coordinates as the file means them.

MINC stores RAS world coordinates. ITK before 6.0 hands them back as if they were LPS
(ITK pull request 4864, merged for 6.0, converts them): :func:`fix_header` flips the
first two world axes while :func:`minc_needs_flip` says this SimpleITK needs it.
"""

from __future__ import annotations

from dataclasses import replace

import SimpleITK as sitk

from ..geometry import flip_lps_ras
from .hooks import FormatHooks


def minc_needs_flip() -> bool:
    """Whether this SimpleITK's MINC reader (and writer) takes RAS coordinates as LPS.

    Tied to the ITK version SimpleITK reports, so the correction switches itself off
    with a fixed SimpleITK.
    """
    return int(sitk.Version.ITKMajorVersion()) < 6


def fix_header(header):
    if not minc_needs_flip():
        return header
    dim = header.dimension
    origin, direction = flip_lps_ras(header.origin, [header.direction[r * dim : (r + 1) * dim] for r in range(dim)])
    return replace(header, origin=tuple(origin.tolist()), direction=tuple(direction.ravel().tolist()))


HOOKS = (FormatHooks(io_names=("MINCImageIO",), extensions=("mnc", "mnc2"), fix_header=fix_header),)

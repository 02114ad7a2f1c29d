"""NIfTI files placed by a sheared sform, which SimpleITK refuses and nibabel reads.

A NIfTI sform (sform_code > 0) is any affine; ITK 5.4 reads only one whose columns are
orthogonal, and without a qform to fall back on refuses the file ("ITK only supports
orthonormal direction cosines"). sitkvtk reads such a file as the file gives it, the way it
carries sheared MetaImage and NRRD grids: spacing is the length of each sform column,
direction the columns divided by it (not orthonormal), and VTK places every voxel with that
matrix (the header's ``sitkvtk_direction`` note says so).

SimpleITK still reads everything else (size, pixel type, voxels): it is handed the same
header with the sform switched off (:func:`sform_free_copy`), whose voxels are the original
file's, linked. :func:`simpleitk_reads_sheared_sform` probes this SimpleITK once, so all of
this switches itself off when SimpleITK reads sheared sforms.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import shutil
import struct
import tempfile
from dataclasses import replace

import numpy as np
import SimpleITK as sitk

from ..errors import ReadError
from .nifti_header import NiftiHeader, data_file, read_nifti_header

_LPS = np.diag([-1.0, -1.0, 1.0])  # NIfTI world is RAS, ITK's LPS
_HEADER_LIMIT = 1 << 24  # header and extensions copied for SimpleITK (bytes)


def sheared_sform(nifti: NiftiHeader | None) -> np.ndarray | None:
    """The 3x4 RAS sform of a header SimpleITK places by it alone (no qform), when its
    columns are not orthogonal; else None."""
    if nifti is None or not nifti.is_nifti or nifti.sform_code <= 0 or nifti.qform_code > 0:
        return None
    sform = np.reshape(np.array(nifti.srow, dtype=np.float64), (3, 4))
    if not np.all(np.isfinite(sform)):
        return None
    norms = np.linalg.norm(sform[:, :3], axis=0)
    if np.any(norms == 0):
        return None
    unit = sform[:, :3] / norms
    if np.allclose(unit.T @ unit, np.eye(3), atol=1e-5):
        return None
    return sform


def _probe_bytes() -> bytes:
    """A 2 x 2 x 2 uint8 NIfTI-1 file, sform only, its first two columns at 60 degrees."""
    header = bytearray(352)
    struct.pack_into("<i", header, 0, 348)
    struct.pack_into("<8h", header, 40, 3, 2, 2, 2, 1, 1, 1, 1)
    struct.pack_into("<hh", header, 70, 2, 8)  # uint8
    struct.pack_into("<8f", header, 76, 1, 1, 1, 1, 1, 1, 1, 1)
    struct.pack_into("<ff", header, 108, 352.0, 1.0)  # vox_offset, scl_slope
    struct.pack_into("<hh", header, 252, 0, 2)  # qform_code, sform_code
    struct.pack_into("<12f", header, 280, 1, 0.5, 0, 0, 0, 0.866, 0, 0, 0, 0, 1, 0)
    header[344:348] = b"n+1\0"
    return bytes(header) + bytes(8)


@functools.lru_cache(maxsize=1)
def simpleitk_reads_sheared_sform() -> bool:
    """Whether this SimpleITK reads a NIfTI file placed by a sheared sform (once per process)."""
    folder = tempfile.mkdtemp(prefix="sitkvtk-nifti-")
    try:
        path = os.path.join(folder, "sheared.nii")
        with open(path, "wb") as stream:
            stream.write(_probe_bytes())
        reader = sitk.ImageFileReader()
        reader.SetFileName(path)
        try:
            reader.ReadImageInformation()
        except RuntimeError:
            return False
        return True
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def needs_sform_free_copy(path: str) -> bool:
    return sheared_sform(read_nifti_header(path)) is not None and not simpleitk_reads_sheared_sform()


def sform_free_copy(path: str, folder: str) -> str:
    """Write into ``folder`` a two-file copy of ``path`` for SimpleITK: the header (and its
    extensions) with sform_code 0, and a link to the original voxels. Returns the header's
    path. NIfTI-1's two-file form reads the voxels at vox_offset in the .img, so a link to a
    .nii (or .nii.gz) serves as the .img (.img.gz) unchanged."""
    nifti = read_nifti_header(path)
    voxels = data_file(path)
    if nifti is None or voxels is None:
        raise ReadError(path, "cannot read the NIfTI header")
    if not math.isfinite(nifti.vox_offset):
        raise ReadError(path, f"the header's vox_offset is {nifti.vox_offset}")
    single = voxels == path
    # niftilib reads a one-file image's voxels at vox_offset, or right after the header if that is less.
    offset = max(nifti.vox_offset, 348.0)
    length = int(min(offset, _HEADER_LIMIT)) if single else _HEADER_LIMIT
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            header = bytearray(stream.read(length))
    except (OSError, EOFError) as error:
        raise ReadError(path, f"cannot read the NIfTI header ({error})") from None
    struct.pack_into(nifti.endian + "h", header, 254, 0)  # sform_code: unknown
    if single:
        struct.pack_into(nifti.endian + "f", header, 108, offset)
    header[344:348] = b"ni1\0"
    copy = os.path.join(folder, "image.hdr")
    with open(copy, "wb") as stream:
        stream.write(header)
    link = os.path.join(folder, "image.img.gz" if voxels.lower().endswith(".gz") else "image.img")
    try:
        os.symlink(os.path.abspath(voxels), link)
    except OSError:
        raise ReadError(path, "a sheared sform: SimpleITK needs a link to the voxels, and none can be made") from None
    return copy


_XFORM_NAMES = {
    1: "NIFTI_XFORM_SCANNER_ANAT", 2: "NIFTI_XFORM_ALIGNED_ANAT", 3: "NIFTI_XFORM_TALAIRACH",
    4: "NIFTI_XFORM_MNI_152", 5: "NIFTI_XFORM_TEMPLATE_OTHER",
}


def metadata_of_file(path: str, nifti: NiftiHeader) -> dict[str, str]:
    """The metadata SimpleITK would give for the file itself, where it read the sform-free
    copy: its sform fields and file type, in SimpleITK's spelling."""
    if sheared_sform(nifti) is None or simpleitk_reads_sheared_sform():
        return {}
    rows = np.reshape(np.array(nifti.srow, dtype=np.float64), (3, 4))
    entries = {f"srow_{axis}": " ".join(f"{v:g}" for v in row) for axis, row in zip("xyz", rows, strict=False)}
    entries["sform_code"] = str(nifti.sform_code)
    entries["sform_code_name"] = _XFORM_NAMES.get(nifti.sform_code, "NIFTI_XFORM_UNKNOWN")
    entries["nifti_type"] = "1" if data_file(path) == path else "2"  # one file, or .hdr/.img
    entries["NIFTI_sform_sheared"] = (
        "the sform's columns are not orthogonal: SimpleITK refuses the file, sitkvtk places the "
        "voxels by the sform as nibabel does (spacing = column lengths)"
    )
    return entries


def fix_header(header):
    """``header`` placed by the file's sheared sform, where SimpleITK was handed the copy."""
    sform = sheared_sform(read_nifti_header(header.path))
    if sform is None or simpleitk_reads_sheared_sform():
        return header
    dim = header.dimension
    n = min(dim, 3)
    matrix = _LPS @ sform[:, :3]
    norms = np.linalg.norm(matrix, axis=0)
    direction = np.reshape(np.array(header.direction, dtype=np.float64), (dim, dim))
    direction[:n, :n] = (matrix / norms)[:n, :n]
    spacing = list(header.spacing)
    spacing[:n] = norms[:n].tolist()
    origin = list(header.origin)
    origin[:n] = (_LPS @ sform[:, 3])[:n].tolist()
    return replace(header, spacing=tuple(spacing), origin=tuple(origin), direction=tuple(direction.ravel().tolist()))

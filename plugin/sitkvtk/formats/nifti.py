"""NIfTI-1 and Analyze 7.5 (.nii, .nii.gz, .hdr/.img): everything the project knows about them.

SimpleITK reads them through niftilib, which
- hangs or crashes on some header values (:func:`check`);
- reads a file cut short without an error (:func:`data_layout` lets the checks see it);
- decodes a whole file into its own buffer and copies it, peaking at twice the image:
  plain files (no scaling, a pixel type SimpleITK reports) are read directly
  (:func:`direct_layout`);
- turns every NaN and infinity of a float file into 0 (:func:`restore_nonfinite`);
- asked for ``x.nii.gz``, opens ``x.nii`` when that lies beside it (:func:`simpleitk_file_name`);
- refuses a file placed by a sheared sform, which :mod:`.nifti_sform` reads;
- reads fields it does not apply (scaling, intent, units, disagreeing qform/sform), which
  :mod:`.nifti_notes` reports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import math
import os
import struct
import zlib

import numpy as np
import SimpleITK as sitk

from ..errors import ReadError
from . import nifti_sform
from .hooks import DataLayout, DirectLayout, FormatHooks
from .nifti_header import DATATYPE_BYTES, DATATYPE_NAMES, FLOAT_TYPES, data_file, read_nifti_header
from .nifti_notes import notes

#: datatype -> (numpy type of a component, components) where the stored voxel is what
#: SimpleITK returns (complex and float128 are not).
_PLAIN_TYPES = {
    2: (np.uint8, 1), 4: (np.int16, 1), 8: (np.int32, 1), 16: (np.float32, 1),
    64: (np.float64, 1), 256: (np.int8, 1), 512: (np.uint16, 1), 768: (np.uint32, 1),
    1024: (np.int64, 1), 1280: (np.uint64, 1), 128: (np.uint8, 3), 2304: (np.uint8, 4),
}
_VECTOR_INTENTS = (1006, 1007)  # displacement vector, vector
_MULTICHANNEL = {32: "complex64", 128: "RGB24", 1792: "complex128", 2304: "RGBA32"}


def data_layout(path: str, expected: int) -> DataLayout | None:
    header = read_nifti_header(path)
    voxels = data_file(path)
    if header is None or voxels is None:
        return None
    offset = header.vox_offset if voxels == path else 0
    offset = int(offset) if math.isfinite(offset) and offset > 0 else 0
    compression = "gzip" if voxels.lower().endswith(".gz") else None
    return DataLayout(voxels, offset, compression, header.stored_bytes())


def direct_layout(header) -> DirectLayout | None:
    """The layout of a .nii / .nii.gz file whose voxels need no conversion, else None."""
    path = header.path
    lower = path.lower()
    if not lower.endswith((".nii", ".nii.gz")):
        return None
    nifti = read_nifti_header(path)
    if nifti is None or not 1 <= nifti.ndim <= 7:
        return None
    offset = nifti.vox_offset
    if not math.isfinite(offset) or offset < 0:
        return None
    dims = [int(d) for d in nifti.dim[1 : nifti.ndim + 1]]
    if nifti.datatype not in _PLAIN_TYPES or any(d != 1 for d in dims[4:]):
        return None
    # niftilib treats a non-finite scale as none; any other scaling makes SimpleITK's voxels floats
    slope = nifti.scl_slope if math.isfinite(nifti.scl_slope) else 0.0
    inter = nifti.scl_inter if math.isfinite(nifti.scl_inter) else 0.0
    if not (slope in (0.0, 1.0) and inter == 0.0):
        return None
    dtype, components = _PLAIN_TYPES[nifti.datatype]
    if np.dtype(dtype) != header.component_dtype or components != header.components:
        return None
    volume = list(dims[:3]) + [1] * (3 - len(dims[:3]))
    if tuple(volume) != tuple(header.volume_size) or dims[3:4] not in ([], [header.time_steps]):
        return None
    volume_bytes = math.prod(volume) * np.dtype(dtype).itemsize * components
    return DirectLayout(path, int(offset), np.dtype(dtype).newbyteorder(nifti.endian), components,
                        volume_bytes, lower.endswith(".gz"))


def check(path: str) -> None:
    """Raise ReadError for header values that hang or crash niftilib / ITK."""
    header = read_nifti_header(path)
    if header is None:
        return
    # ITK's vector handling of a multi-channel voxel (complex, RGB, RGBA) overruns its buffer.
    if header.intent_code in _VECTOR_INTENTS and header.datatype in _MULTICHANNEL:
        raise ReadError(
            path,
            f"a vector intent (code {header.intent_code}) with "
            f"{_MULTICHANNEL[header.datatype]} voxels, which SimpleITK cannot read "
            "(it crashes on them)",
        )
    # niftilib turns a NaN or infinite pixdim into 1 without a word: refuse, as for any format.
    used = range(1, min(max(header.ndim, 0), 4) + 1)
    bad = [f"pixdim[{i}] = {header.pixdim[i]:g}" for i in used if not math.isfinite(header.pixdim[i])]
    if bad:
        raise ReadError(path, f"the header gives invalid spacing ({', '.join(bad)})")
    if not header.is_nifti:
        return
    # ITK's NIfTI reader loops forever orthonormalising an sform with an infinity in it.
    if header.sform_code > 0 and not all(map(math.isfinite, header.srow)):
        raise ReadError(path, f"the header's sform holds non-finite values ({_floats(header.srow)})")
    if header.qform_code > 0 and not all(map(math.isfinite, header.quatern + header.qoffset)):
        raise ReadError(
            path, f"the header's qform holds non-finite values ({_floats(header.quatern + header.qoffset)})"
        )


def explain(path: str) -> str | None:
    """Why SimpleITK refused ``path``, where its header says (NIfTI-2, datatype, dims)."""
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rb") as stream:
            start = stream.read(12)
    except (OSError, EOFError, zlib.error):
        return None
    sizes = struct.unpack("<i", start[:4]) + struct.unpack(">i", start[:4]) if len(start) == 12 else ()
    if 540 in sizes and start[4:7] in (b"n+2", b"ni2"):
        return "a NIfTI-2 file: this SimpleITK's NIfTI reader opens NIfTI-1 and Analyze 7.5 only"
    nifti = read_nifti_header(path)
    if nifti is None:
        return None
    if nifti.datatype not in DATATYPE_BYTES:
        return f"datatype {nifti.datatype} is not a NIfTI-1 datatype"
    if not 1 <= nifti.ndim <= 7:
        return f"dim[0] = {nifti.ndim}: a NIfTI image has 1 to 7 dimensions"
    empty = [f"dim[{i}] = {nifti.dim[i]}" for i in range(1, nifti.ndim + 1) if nifti.dim[i] <= 0]
    if empty:
        return f"{', '.join(empty)}: every axis needs at least one voxel"
    if nifti.datatype in (1536, 2048):
        return f"{DATATYPE_NAMES[nifti.datatype]} voxels (datatype {nifti.datatype}), which SimpleITK does not read"
    return None


def _floats(values) -> str:
    return " ".join(f"{v:g}" for v in values)


@contextlib.contextmanager
def simpleitk_file_name(path: str):
    """The name to give SimpleITK for ``path``: ``path`` itself, or a link to it alone
    in a temporary folder when niftilib would open a sibling file instead, or a copy of
    the header without its sform where SimpleITK refuses a sheared one (:mod:`.nifti_sform`)."""
    lower = path.lower()
    twin = path[:-3] if lower.endswith((".nii.gz", ".hdr.gz")) else None
    sheared = nifti_sform.needs_sform_free_copy(path)
    if not sheared and (twin is None or not os.path.exists(twin)):
        yield path
        return
    import shutil  # only for these rare cases
    import tempfile

    folder = tempfile.mkdtemp(prefix="sitkvtk-")
    try:
        if sheared:
            yield nifti_sform.sform_free_copy(path, folder)
            return
        links = {path: os.path.join(folder, "image" + path[-7:])}
        voxels = data_file(path)
        if voxels is not None and voxels != path:
            links[voxels] = os.path.join(folder, "image" + voxels[len(voxels) - 7 :])
        for target, link in links.items():
            try:
                os.symlink(os.path.abspath(target), link)
            except OSError:
                raise ReadError(
                    path, f"SimpleITK would read {twin} instead, and no link can be made to avoid it"
                ) from None
        yield links[path]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def restore_nonfinite(header, image: sitk.Image, start, size, step: int = 0) -> sitk.Image:
    """``image`` (voxels ``start .. start + size`` of volume ``step``, as SimpleITK read
    them) with the file's NaNs and infinities put back where niftilib made them 0.
    Returns ``image`` itself when nothing needs restoring."""
    nifti = read_nifti_header(header.path)
    if nifti is None or nifti.datatype not in FLOAT_TYPES:
        return image
    dims = [max(int(d), 1) for d in nifti.dim[1 : nifti.ndim + 1]] + [1] * 7
    if not 1 <= nifti.ndim <= 5 or dims[5] > 1 or dims[6] > 1:
        return image
    view = sitk.GetArrayViewFromImage(image)
    # A fixed voxel reads as 0, scaled like any other: slope * 0 + inter.
    fixed_value = nifti.scl_inter if nifti.scaled else 0.0
    if not np.any(view == fixed_value):
        return image
    stored = _stored_box(header.path, nifti, dims, start, size, step)
    if stored is None:
        return image
    bad = ~np.isfinite(stored)
    if not bad.any():
        return image
    values = stored[bad]
    if nifti.scaled:
        values = values * nifti.scl_slope + nifti.scl_inter
    restored = np.array(view).reshape(stored.shape)  # the rare case that pays a copy
    restored[bad] = values
    vector = image.GetNumberOfComponentsPerPixel() > 1 and not np.iscomplexobj(restored)
    result = sitk.GetImageFromArray(restored.reshape(view.shape), isVector=vector)
    result.CopyInformation(image)
    return result


def _stored_box(path, nifti, dims, start, size, step) -> np.ndarray | None:
    """Voxels of the box as stored in the file, shaped (z, y, x[, c])."""
    layout = data_layout(path, 0)
    if layout is None:
        return None
    dtype = np.dtype(FLOAT_TYPES[nifti.datatype]).newbyteorder(nifti.endian)
    nx, ny, nz, nt, nc = dims[:5]
    x0, y0, z0 = (list(start) + [0, 0, 0])[:3]
    sx, sy, sz = (list(size) + [1, 1, 1])[:3]
    slab = ny * nx  # one z slice
    components = []
    try:
        opener = gzip.open if layout.compression == "gzip" else open
        with opener(layout.path, "rb") as stream:
            for c in range(nc):  # NIfTI stores components slowest (x, y, z, t, c)
                first = ((c * nt + step) * nz + z0) * slab
                stream.seek(layout.offset + first * dtype.itemsize)
                raw = stream.read(sz * slab * dtype.itemsize)
                if len(raw) < sz * slab * dtype.itemsize:
                    return None
                block = np.frombuffer(raw, dtype=dtype).reshape(sz, ny, nx)
                components.append(block[:, y0 : y0 + sy, x0 : x0 + sx])
    except (OSError, EOFError, zlib.error):
        return None
    return components[0] if nc == 1 else np.stack(components, axis=-1)


def _notes(path: str, metadata: dict, header) -> dict[str, str]:
    nifti = read_nifti_header(path)
    return {} if nifti is None else {**notes(nifti, header), **nifti_sform.metadata_of_file(path, nifti)}


# SimpleITK < 2.4 (ITK 5.3) scales a micron or metre file's spacing to mm but not its origin
# (measured: 2.3.0 gives spacing 0.0007 with origin 12.5 for a micron file; 2.4.0 and 2.5.7 scale both).
_ORIGIN_LEFT_IN_FILE_UNITS = (sitk.Version.MajorVersion(), sitk.Version.MinorVersion()) < (2, 4)
_TO_MM = {1: 1000.0, 3: 0.001}  # xyzt_units: metre, micron


def fix_header(header):
    """``header`` with its origin in mm where SimpleITK left it in the file's units, then placed
    by a sheared sform (which sets the origin itself)."""
    nifti = read_nifti_header(header.path) if _ORIGIN_LEFT_IN_FILE_UNITS else None
    scale = _TO_MM.get(nifti.xyzt_units & 0x07) if nifti is not None and nifti.is_nifti else None
    if scale:
        n = min(header.dimension, 3)
        origin = [v * scale for v in header.origin[:n]] + list(header.origin[n:])
        header = dataclasses.replace(header, origin=tuple(origin))
    return nifti_sform.fix_header(header)


HOOKS = (
    FormatHooks(
        io_names=("NiftiImageIO",),
        extensions=("nii", "nii.gz", "nia", "hdr", "img", "img.gz"),
        check=check,
        explain=explain,
        fix_header=fix_header,
        notes=_notes,
        data_layout=data_layout,
        direct_layout=direct_layout,
        whole_volume_direct=True,
        restore=restore_nonfinite,
        file_name=simpleitk_file_name,
    ),
)

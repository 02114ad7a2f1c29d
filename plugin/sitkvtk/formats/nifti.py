"""NIfTI-1 and Analyze 7.5 (.nii, .nii.gz, .hdr/.img): everything the project knows about them.

SimpleITK reads them through niftilib, which
- hangs or crashes on some header values (:func:`check`);
- reads a file cut short without an error (:func:`data_layout` lets the checks see it);
- decodes a whole file into its own buffer and copies it, peaking at twice the image:
  plain files (no scaling, a pixel type SimpleITK reports) are read directly
  (:func:`direct_layout`);
- turns every NaN and infinity of a float file into 0 (:func:`restore_nonfinite`);
- asked for ``x.nii.gz``, opens ``x.nii`` when that lies beside it (:func:`simpleitk_file_name`);
- reads fields it does not apply (scaling, intent, units, disagreeing qform/sform), which
  :mod:`.nifti_notes` reports.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import struct
import zlib
from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from ..errors import ReadError
from .hooks import DataLayout, DirectLayout, FormatHooks

# NIfTI datatype code -> bytes per voxel (all components), as niftilib sizes them.
DATATYPE_BYTES = {
    2: 1, 4: 2, 8: 4, 16: 4, 32: 8, 64: 8, 128: 3, 256: 1, 512: 2, 768: 4, 1024: 8,
    1280: 8, 1536: 16, 1792: 16, 2048: 32, 2304: 4,
}
DATATYPE_NAMES = {
    2: "uint8", 4: "int16", 8: "int32", 16: "float32", 32: "complex64", 64: "float64",
    128: "RGB24", 256: "int8", 512: "uint16", 768: "uint32", 1024: "int64", 1280: "uint64",
    1536: "float128", 1792: "complex128", 2048: "complex256", 2304: "RGBA32",
}
#: Float datatypes, whose non-finite values niftilib replaces with 0 on reading.
FLOAT_TYPES = {16: "float32", 32: "complex64", 64: "float64", 1792: "complex128"}
#: datatype -> (numpy type of a component, components) where the stored voxel is what
#: SimpleITK returns (complex and float128 are not).
_PLAIN_TYPES = {
    2: (np.uint8, 1), 4: (np.int16, 1), 8: (np.int32, 1), 16: (np.float32, 1),
    64: (np.float64, 1), 256: (np.int8, 1), 512: (np.uint16, 1), 768: (np.uint32, 1),
    1024: (np.int64, 1), 1280: (np.uint64, 1), 128: (np.uint8, 3), 2304: (np.uint8, 4),
}
_VECTOR_INTENTS = (1006, 1007)  # displacement vector, vector
_MULTICHANNEL = {32: "complex64", 128: "RGB24", 1792: "complex128", 2304: "RGBA32"}


@dataclass(frozen=True)
class NiftiHeader:
    """The fields of a NIfTI-1 (or Analyze 7.5) header that matter here."""

    endian: str  # "<" or ">"
    is_nifti: bool  # magic "n+1" / "ni1"; False for Analyze 7.5
    dim: tuple[int, ...]  # dim[0..7]
    intent: tuple[float, float, float]
    intent_code: int
    intent_name: str
    datatype: int
    bitpix: int
    pixdim: tuple[float, ...]  # pixdim[0..7]; pixdim[0] is qfac
    vox_offset: float
    scl_slope: float
    scl_inter: float
    xyzt_units: int
    qform_code: int
    sform_code: int
    quatern: tuple[float, float, float]
    qoffset: tuple[float, float, float]
    srow: tuple[float, ...]  # 12 values: srow_x, srow_y, srow_z

    @property
    def ndim(self) -> int:
        return self.dim[0]

    @property
    def scaled(self) -> bool:
        """Whether niftilib applies scl_slope / scl_inter (a finite, non-zero slope)."""
        slope, inter = self.scl_slope, self.scl_inter
        if not math.isfinite(slope) or slope == 0.0:
            return False
        return slope != 1.0 or (math.isfinite(inter) and inter != 0.0)

    def stored_bytes(self) -> int | None:
        """Bytes of voxels on disk: dims x the datatype's size (not what SimpleITK returns,
        which may be wider: a scaled int16 file reads as float32)."""
        per_voxel = DATATYPE_BYTES.get(self.datatype)
        if per_voxel is None or not 1 <= self.ndim <= 7:
            return None
        return math.prod(max(d, 1) for d in self.dim[1 : self.ndim + 1]) * per_voxel


def read_nifti_header(path: str) -> NiftiHeader | None:
    """The header of a .nii, .nii.gz, .hdr or .hdr.gz file; None if it is not NIfTI-1 / Analyze.

    The byte order is decided as niftilib decides it: by dim[0] (1..7 when read right).
    """
    try:
        with (gzip.open if path.lower().endswith(".gz") else open)(path, "rb") as stream:
            raw = stream.read(348)
    except (OSError, EOFError, zlib.error):
        return None
    if len(raw) < 348:
        return None
    magic = raw[344:347] in (b"n+1", b"ni1")
    for endian in ("<", ">"):
        if 1 <= struct.unpack_from(endian + "h", raw, 40)[0] <= 7:
            break
    else:
        endian = "<" if struct.unpack("<i", raw[:4])[0] == 348 else ">"
    if struct.unpack(endian + "i", raw[:4])[0] != 348 and not magic:
        return None

    def values(fmt: str, offset: int):
        return struct.unpack_from(endian + fmt, raw, offset)

    return NiftiHeader(
        endian=endian,
        is_nifti=magic,
        dim=values("8h", 40),
        intent=values("3f", 56),
        intent_code=values("h", 68)[0],
        intent_name=raw[328:344].split(b"\0", 1)[0].decode("latin-1"),
        datatype=values("h", 70)[0],
        bitpix=values("h", 72)[0],
        pixdim=values("8f", 76),
        vox_offset=values("f", 108)[0],
        scl_slope=values("f", 112)[0],
        scl_inter=values("f", 116)[0],
        xyzt_units=raw[123],
        qform_code=values("h", 252)[0],
        sform_code=values("h", 254)[0],
        quatern=values("3f", 256),
        qoffset=values("3f", 268),
        srow=values("12f", 280),
    )


def data_file(path: str) -> str | None:
    """The file holding the voxels: the file itself, or the .img of a .hdr (the same
    compression first, as niftilib looks for it)."""
    lower = path.lower()
    if lower.endswith((".nii", ".nii.gz")):
        return path
    if not lower.endswith((".hdr", ".hdr.gz")):
        return None
    compressed = lower.endswith(".gz")
    base = path[: -len(".hdr.gz")] if compressed else path[: -len(".hdr")]
    plain = [base + ".img", base + ".IMG"]
    packed = [base + ".img.gz", base + ".IMG.gz"]
    for candidate in (packed + plain) if compressed else (plain + packed):
        if os.path.exists(candidate):
            return candidate
    return None


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


def _floats(values) -> str:
    return " ".join(f"{v:g}" for v in values)


@contextlib.contextmanager
def simpleitk_file_name(path: str):
    """The name to give SimpleITK for ``path``: ``path`` itself, or a link to it alone
    in a temporary folder when niftilib would open a sibling file instead."""
    lower = path.lower()
    twin = path[:-3] if lower.endswith((".nii.gz", ".hdr.gz")) else None
    if twin is None or not os.path.exists(twin):
        yield path
        return
    import shutil  # only for this rare case
    import tempfile

    folder = tempfile.mkdtemp(prefix="sitkvtk-")
    try:
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
    from .nifti_notes import notes  # the tables load only when a NIfTI header is reported

    nifti = read_nifti_header(path)
    return {} if nifti is None else notes(nifti, header)


HOOKS = (
    FormatHooks(
        io_names=("NiftiImageIO",),
        extensions=("nii", "nii.gz", "nia", "hdr", "img", "img.gz"),
        check=check,
        notes=_notes,
        data_layout=data_layout,
        direct_layout=direct_layout,
        whole_volume_direct=True,
        restore=restore_nonfinite,
        file_name=simpleitk_file_name,
    ),
)

"""The checks made before any voxel is read (sources/checks.py), over a corpus of bad inputs
made here: each one a clean ReadError naming the file and the reason, or, where the file is
legitimately readable, the right voxels in the right place.

Files that might crash or hang the reader are read in a child process
(the ``child`` fixture of conftest.py): a regression shows up as a failed test, not a dead test run.
"""

from __future__ import annotations

import gzip
import os
import re
import struct

import numpy as np
import pytest
import SimpleITK as sitk

import sitkvtk
from synthetic import corners, index_values, oblique_image, sitk_world, vtk_values, vtk_world

SIZE = (6, 5, 4)
MEDICAL = [
    ".nii",
    ".nii.gz",
    ".hdr",
    ".img",
    ".mha",
    ".mhd",
    ".nrrd",
    ".nhdr",
    ".mnc",
    ".gipl",
    ".tif",
    ".png",
    ".jpg",
    ".bmp",
    ".vtk",
    ".mrc",
    ".dcm",
    ".nia",
    ".lsm",
    ".hdf5",
]


def _refused(child, paths, *words):
    """Assert each file is a clean ReadError naming it (and, lower-case, one of ``words``)."""
    failures = []
    for path in paths:
        outcome = child.read(str(path))
        detail = outcome.detail.lower()
        if outcome.status != "error" or str(path).lower() not in detail:
            failures.append(f"{path}: {outcome.status} {outcome.detail}")
        elif words and not any(word in detail for word in words):
            failures.append(f"{path}: error without {words}: {outcome.detail}")
    assert not failures, "\n".join(failures)


def _expect_error(path, *words):
    """Read ``path`` in this process: a ReadError naming it (and, lower-case, every one of ``words``)."""
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(path)
    message = str(caught.value)
    assert os.fspath(path) in message
    for word in words:
        assert word in message.lower()
    assert caught.value.filename == os.fspath(path)
    return message


def _write(folder, name, image=None):
    path = str(folder / name)
    sitk.WriteImage(oblique_image(np.int16, 3, size=SIZE) if image is None else image, path)
    return path


def _patch(path, old: bytes, new: bytes):
    data = open(path, "rb").read()
    assert old in data, (old, data[:300])
    open(path, "wb").write(data.replace(old, new, 1))


def _nifti_set(path, offset, fmt, *values):
    data = bytearray(open(path, "rb").read())
    struct.pack_into("<" + fmt, data, offset, *values)
    open(path, "wb").write(bytes(data))


# -- empty, random and truncated files --------------------------------------------------
@pytest.mark.parametrize("ext", MEDICAL)
def test_zero_byte_and_random_files(tmp_path, child, ext):
    rng = np.random.default_rng([7, MEDICAL.index(ext)])
    magics = {
        ".nii": struct.pack("<i", 348),
        ".mha": b"ObjectType = Image\nNDims = 3\n",
        ".nrrd": b"NRRD0004\n",
        ".dcm": b"\0" * 128 + b"DICM",
        ".png": b"\x89PNG\r\n\x1a\n",
    }
    paths = []
    for kind, size in (("empty", 0), ("tiny", 16), ("random", 4096)):
        path = tmp_path / f"{kind}{ext}"
        path.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        paths.append(path)
    path = tmp_path / f"magic{ext}"
    path.write_bytes(magics.get(ext, b"") + rng.integers(0, 256, 2048, dtype=np.uint8).tobytes())
    paths.append(path)
    _refused(child, paths)
    if ext in (".nii", ".nii.gz", ".mha", ".nrrd", ".mnc", ".png", ".dcm"):
        # In this process too, for the commonest extensions: the error's filename is the path.
        _expect_error(str(tmp_path / f"random{ext}"))


def _cut_points(total, header_end):
    points = set(range(0, total, max(1, total // 48)))
    points |= {1, header_end - 1, header_end, header_end + 1, total // 2, total - 2, total - 1}
    return sorted(p for p in points if 0 <= p < total)


# Formats and what each test image is: (dtype, dimension, components).
TRUNCATED = {
    ".nii": (np.int16, 3, 1),
    ".nii.gz": (np.int16, 3, 1),
    ".hdr": (np.int16, 3, 1),
    ".mha": (np.int16, 3, 1),
    ".mhd": (np.int16, 3, 1),
    ".nrrd": (np.int16, 3, 1),
    ".nhdr": (np.int16, 3, 1),
    ".mrc": (np.int16, 3, 1),
    ".gipl": (np.int16, 3, 1),
    ".gipl.gz": (np.int16, 3, 1),
    ".vtk": (np.float32, 3, 1),
    ".tif": (np.uint16, 3, 1),
    ".lsm": (np.uint8, 3, 1),
    ".bmp": (np.uint8, 2, 3),
    ".jpg": (np.uint8, 2, 1),
    ".png": (np.uint8, 2, 1),
    ".mnc": (np.int16, 3, 1),
}


# Formats whose voxel count sitkvtk checks against the file itself: a short file says "truncated".
SAYS_TRUNCATED = {".nii", ".nii.gz", ".hdr", ".mha", ".mhd", ".nrrd", ".nhdr"}


@pytest.mark.parametrize("ext", list(TRUNCATED))
def test_files_cut_at_many_offsets(tmp_path, child, ext):
    """Header or voxels cut anywhere: refused. (SimpleITK 2.5.7 alone reads NIfTI, MRC,
    GIPL, VTK, TIFF, BMP and JPEG files cut short without an error, with wrong values.)"""
    dtype, dim, ncomp = TRUNCATED[ext]
    size = SIZE[:dim] if dim == 3 else (40, 30)
    good = _write(tmp_path, f"good{ext}", oblique_image(dtype, dim, ncomp=ncomp, size=size))
    voxel_bytes = int(np.prod(size)) * np.dtype(dtype).itemsize * ncomp
    data_file = {
        ".hdr": good[:-4] + ".img",
        ".mhd": good[:-4] + ".raw",
        ".nhdr": good[:-5] + ".raw",
    }.get(ext, good)
    cut_files = [good] if data_file == good else [good, data_file]
    paths = []
    for victim in cut_files:
        raw = open(victim, "rb").read()
        plain = gzip.decompress(raw) if victim.endswith(".gz") else raw
        if victim != data_file:  # a detached header: cut inside it (a .hdr is 348 bytes,
            # the 4 bytes after it optional; a text header without its final newline is whole)
            cuts = _cut_points(348 if ext == ".hdr" else len(plain) - 1, 0)
        else:
            cuts = _cut_points(len(plain), max(len(plain) - voxel_bytes, 1))
        for cut in cuts:
            folder = tmp_path / f"cut{cut}-{os.path.basename(victim)}"
            folder.mkdir()
            for name in os.listdir(tmp_path):  # the pair, with one file cut
                source = tmp_path / name
                if source.is_file():
                    (folder / name).write_bytes(source.read_bytes())
            part = plain[:cut]
            if victim.endswith(".gz"):
                part = gzip.compress(part)
            (folder / os.path.basename(victim)).write_bytes(part)
            paths.append(folder / os.path.basename(good))
        if victim.endswith(".gz"):  # the compressed stream itself cut short
            for cut in _cut_points(len(raw), 10):
                path = tmp_path / f"rawcut{cut}{ext}"
                path.write_bytes(raw[:cut])
                paths.append(path)
    assert len(paths) > 40
    _refused(child, paths)
    if ext in SAYS_TRUNCATED:
        # The last 100 bytes of voxels missing (a valid gzip of the rest for .gz): "truncated".
        folder = tmp_path / "voxels-cut"
        folder.mkdir()
        for name in (os.path.basename(good), os.path.basename(data_file)):
            (folder / name).write_bytes((tmp_path / name).read_bytes())
        raw = open(data_file, "rb").read()
        plain = gzip.decompress(raw) if data_file.endswith(".gz") else raw
        part = plain[: len(plain) - 100]
        (folder / os.path.basename(data_file)).write_bytes(gzip.compress(part) if data_file.endswith(".gz") else part)
        _expect_error(str(folder / os.path.basename(good)), "truncated")


# -- impossible sizes and pixel types ---------------------------------------------------
def _nifti_variants(tmp_path):
    variants = {
        "dim-negative": (40, "4h", 3, -6, 5, 4),
        "dim-zero": (40, "4h", 3, 0, 5, 4),
        "dim0-zero": (40, "h", 0),
        "dim0-eight": (40, "h", 8),
        "dim0-negative": (40, "h", -3),
        "dim-30000": (40, "4h", 3, 30000, 30000, 30000),
        "dim-max": (40, "4h", 3, 32767, 32767, 32767),
        "dim-1024": (40, "4h", 3, 1024, 1024, 1024),
        "datatype-0": (70, "h", 0),
        "datatype-1": (70, "h", 1),
        "datatype-9999": (70, "h", 9999),
        "datatype-float128": (70, "2h", 1536, 128),
        "datatype-complex256": (70, "2h", 2048, 256),
        "datatype-int32": (70, "2h", 8, 32),
    }
    paths = {}
    for name, (offset, fmt, *values) in variants.items():
        path = _write(tmp_path, f"{name}.nii")
        _nifti_set(path, offset, fmt, *values)
        paths[name] = path
    return paths


def _text_variants(tmp_path, ext, field, values):
    paths = {}
    for name, value in values.items():
        path = _write(tmp_path, f"{name}{ext}")
        text = open(path, "rb").read()
        text = re.sub(
            rb"(?m)^(" + field + rb")(\s*[=:]\s*).*$",
            lambda m, value=value: m.group(1) + m.group(2) + value,
            text,
            count=1,
        )
        open(path, "wb").write(text)
        paths[name] = path
    return paths


SIZES = {
    "negative": b"-6 5 4",
    "zero": b"0 5 4",
    "million": b"1000000 1000000 1000000",
    "30000": b"30000 30000 30000",
    "1024": b"1024 1024 1024",
}


def test_impossible_sizes_refused_before_allocation(tmp_path, child):
    """Each is refused; the huge ones by sitkvtk's own check (the child runs with 3 GiB of
    address space: an allocation attempted first would end in a different message)."""
    nifti = _nifti_variants(tmp_path)
    mha = _text_variants(tmp_path, ".mha", rb"DimSize", SIZES)
    nrrd = _text_variants(tmp_path, ".nrrd", rb"sizes", SIZES)
    _refused(
        child,
        [
            nifti[k]
            for k in ("dim-negative", "dim-zero", "dim0-zero", "dim0-eight", "dim0-negative")
        ],
    )
    _refused(child, [mha["negative"], mha["zero"], nrrd["negative"], nrrd["zero"]])
    huge = [
        nifti["dim-30000"],
        nifti["dim-max"],
        mha["million"],
        mha["30000"],
        nrrd["million"],
        nrrd["30000"],
    ]
    _refused(child, huge, "memory available", "truncated")
    # 2 GiB promised by a tiny file fits in memory: the size check refuses it before allocation.
    _refused(child, [nifti["dim-1024"], mha["1024"], nrrd["1024"]], "truncated")


@pytest.mark.parametrize("ext", [".nii", ".mha"])
def test_30000_cubed_header_names_the_file_and_allocates_nothing(tmp_path, ext):
    if ext == ".nii":
        path = _nifti_variants(tmp_path)["dim-30000"]
    else:
        path = _text_variants(tmp_path, ".mha", rb"DimSize", {"huge": b"30000 30000 30000"})["huge"]
    message = _expect_error(path)
    assert message.startswith(path + ": ")
    if ext == ".nii":
        assert "30000x30000x30000" in message


def test_wrong_pixel_type_codes(tmp_path, child):
    nifti = _nifti_variants(tmp_path)
    paths = [
        nifti[k]
        for k in (
            "datatype-0",
            "datatype-1",
            "datatype-9999",
            "datatype-float128",
            "datatype-complex256",
        )
    ]
    paths += list(
        _text_variants(
            tmp_path,
            ".mha",
            rb"ElementType",
            {"none": b"MET_NONE", "other": b"MET_OTHER", "bogus": b"MET_BOGUS", "empty": b""},
        ).values()
    )
    paths += list(
        _text_variants(
            tmp_path, ".nrrd", rb"type", {"block": b"block", "bogus": b"bogus", "empty": b""}
        ).values()
    )
    _refused(child, paths)
    # A valid code of a wider type than the data written: the file is too short for it.
    _refused(child, [nifti["datatype-int32"]], "truncated")


# -- spacing and direction --------------------------------------------------------------
def test_nan_inf_zero_negative_spacing(tmp_path, child):
    paths = []
    for name, value in (("nan", float("nan")), ("inf", float("inf")), ("neg", -1.5)):
        path = _write(tmp_path, f"pixdim-{name}.nii")
        _nifti_set(path, 80, "f", value)  # pixdim[1]
        paths.append(path)
    paths += list(
        _text_variants(
            tmp_path,
            ".mha",
            rb"ElementSpacing",
            {
                "zero": b"0 1.3 2.1",
                "nan": b"nan 1.3 2.1",
                "inf": b"inf 1 1",
                "neg": b"-0.7 1.3 2.1",
            },
        ).values()
    )
    paths += list(
        _text_variants(
            tmp_path,
            ".nrrd",
            rb"space directions",
            {
                "zero": b"(0,0,0) (0,1,0) (0,0,1)",
                "nan": b"(nan,0,0) (0,1,0) (0,0,1)",
                "inf": b"(inf,0,0) (0,1,0) (0,0,1)",
            },
        ).values()
    )
    _refused(child, paths, "spacing", "space vector", "direction")


SHEAR = np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.2, 0.0, 1.0]])


@pytest.mark.parametrize("ext", [".mha", ".nrrd"])
def test_non_orthonormal_direction_is_read_as_written(tmp_path, ext):
    """Decision: a sheared (non-orthonormal, invertible) grid is read, each voxel placed by
    the file's own matrix, and reported in the metadata; SimpleITK keeps such matrices."""
    origin, spacing = np.array([-12.5, 33.25, -7.75]), np.array([0.7, 1.3, 2.1])
    path = _write(
        tmp_path, f"shear{ext}", sitk.GetImageFromArray(index_values(SIZE[::-1], 1, np.int16))
    )
    text = open(path, "rb").read().decode("latin-1")
    if ext == ".mha":
        text = re.sub(
            r"TransformMatrix = .*",
            "TransformMatrix = " + " ".join(map(str, SHEAR.T.ravel())),
            text,
        )
        text = re.sub(r"Offset = .*", "Offset = " + " ".join(map(str, origin)), text)
        text = re.sub(
            r"ElementSpacing = .*", "ElementSpacing = " + " ".join(map(str, spacing)), text
        )
        columns = SHEAR * spacing  # MetaImage: direction as given, spacing apart
    else:
        columns = SHEAR * spacing  # NRRD: each column holds the step along one axis
        vectors = " ".join("(" + ",".join(map(str, columns[:, i])) + ")" for i in range(3))
        text = re.sub(r"space directions: .*", "space directions: " + vectors, text)
        text = re.sub(
            r"space origin: .*", "space origin: (" + ",".join(map(str, origin)) + ")", text
        )
    open(path, "wb").write(text.encode("latin-1"))
    image = sitkvtk.read(path)
    for index in corners(SIZE):
        expected = origin + columns @ np.array(index, dtype=float)  # independent of ITK
        np.testing.assert_allclose(vtk_world(image, index), expected, atol=1e-9)
    np.testing.assert_array_equal(vtk_values(image), index_values(SIZE[::-1], 1, np.int16))
    reader = sitkvtk.SimpleITKReader()
    reader.SetFileName(path)
    assert "not orthonormal" in reader.GetHeader().metadata["sitkvtk_direction"]


def test_singular_directions_refused(tmp_path, child):
    # A sheared NIfTI sform is read, as nibabel reads it: tests/test_formats_nifti_sform.py.
    singular = _text_variants(
        tmp_path, ".mha", rb"TransformMatrix", {"singular": b"1 0 0 1 0 0 0 0 1"}
    )
    columns = _text_variants(
        tmp_path, ".nrrd", rb"space directions", {"same": b"(1,0,0) (1,0,0) (0,0,1)"}
    )
    _refused(child, [singular["singular"], columns["same"]], "singular")


# -- paths: folders, pipes, permissions, names ------------------------------------------
def test_missing_file(tmp_path):
    _expect_error(str(tmp_path / "nothing.nii"), "no such file")


def test_unknown_format(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_text("not an image")
    _expect_error(str(path), "format")


def test_folder_where_a_file_is_expected(tmp_path):
    folder = tmp_path / "scan.nii"
    folder.mkdir()
    _expect_error(str(folder), "folder")


def test_folder_with_no_dicom(tmp_path):
    folder = tmp_path / "not a series"
    folder.mkdir()
    (folder / "notes.txt").write_text("no images here")
    sitk.WriteImage(sitk.Image(4, 3, sitk.sitkUInt8), str(folder / "picture.png"))
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read(folder)
    assert caught.value.filename == str(folder)
    assert "dicom" in str(caught.value).lower()


def test_folder_in_a_file_series(tmp_path):
    good = _write(tmp_path, "t0.mha")
    folder = tmp_path / "t1.mha"
    folder.mkdir()
    with pytest.raises(sitkvtk.ReadError) as caught:
        sitkvtk.read([good, str(folder)], time_step=1)
    assert str(caught.value) == f"{folder}: is a folder, not an image file"


def test_pipe_and_device_refused_without_blocking(tmp_path, child):
    pipe = tmp_path / "scan.nii"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    _refused(child, [pipe], "not a regular file")
    _refused(child, ["/dev/null"], "not a regular file")


NAMES = ["dir with spaces/scan one", "ünïcødé ñame/数据 é", "mixed dir é/a b ü"]
NAMED_FORMATS = [".nii", ".nii.gz", ".hdr", ".mha", ".mhd", ".nrrd", ".nhdr"]


@pytest.mark.parametrize("ext", NAMED_FORMATS)
@pytest.mark.parametrize("name", NAMES, ids=["spaces", "non-ascii", "both"])
def test_paths_with_spaces_and_non_ascii_read_correctly(tmp_path, name, ext):
    path = tmp_path / (name + ext)
    path.parent.mkdir()
    written = oblique_image(np.float32, 3, size=SIZE)
    sitk.WriteImage(written, str(path))
    image = sitkvtk.read(path)
    np.testing.assert_array_equal(vtk_values(image), index_values(SIZE[::-1], 1, np.float32))
    for index in corners(SIZE):
        np.testing.assert_allclose(vtk_world(image, index), sitk_world(written, index), atol=1e-4)
    part = sitkvtk.read(path, extent=(1, 3, 0, 4, 2, 2))  # the streamed path too
    np.testing.assert_array_equal(
        vtk_values(part), index_values(SIZE[::-1], 1, np.float32)[2:3, :, 1:4]
    )


_DROP_AND_READ = """
import os, sys
import sitkvtk
sitkvtk.read(sys.argv[1])  # everything imported and warmed up while still root
os.setgroups([]); os.setgid(65534); os.setuid(65534)
for path in sys.argv[2:]:
    try:
        sitkvtk.read(path)
        print("read", path)
    except sitkvtk.ReadError as error:
        print("error", error)
"""


def test_unreadable_file_and_folder(tmp_path):
    """chmod 000: 'permission denied'. Root reads such a file anyway (as every program
    does), so as root the refusal is checked in a child that drops to user nobody."""
    import subprocess
    import sys
    import tempfile

    folder = tempfile.mkdtemp(prefix="sitkvtk-perm-")  # /tmp: reachable by nobody
    try:
        os.chmod(folder, 0o755)
        good = _write(tmp_path, "good.nii")
        locked = _write(type(tmp_path)(folder), "locked.nii")
        os.chmod(locked, 0)
        closed = os.path.join(folder, "closed")
        os.mkdir(closed)
        behind = _write(type(tmp_path)(closed), "behind.mha")
        os.chmod(closed, 0)
        if os.geteuid() == 0:
            # Root: the file reads, with the right voxels.
            np.testing.assert_array_equal(
                vtk_values(sitkvtk.read(locked)), index_values(SIZE[::-1], 1, np.int16)
            )
            lines = subprocess.run(
                [sys.executable, "-c", _DROP_AND_READ, good, locked, behind],
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout.splitlines()
        else:
            lines = []
            for path in (locked, behind):
                with pytest.raises(sitkvtk.ReadError) as caught:
                    sitkvtk.read(path)
                lines.append(f"error {caught.value}")
        assert lines == [
            f"error {locked}: permission denied",
            f"error {behind}: permission denied (a folder on the way cannot be searched)",
        ]
    finally:
        os.chmod(os.path.join(folder, "closed"), 0o755)
        import shutil

        shutil.rmtree(folder)


# -- what once crashed or hung SimpleITK: refused before SimpleITK sees it ---------------
def test_metaimage_ndims_that_crash_metaio(tmp_path, child):
    """MetaIO segfaults or aborts on NDims < 0 or > 64 (and on 1e308, which atof makes huge)."""
    paths = _text_variants(
        tmp_path,
        ".mha",
        rb"NDims",
        {
            "minus1": b"-1",
            "minus5": b"-5",
            "65": b"65",
            "83": b"83",
            "6404": b"6404",
            "1e308": b"1e308",
            "1e3": b"1e3",
        },
    )
    _refused(child, list(paths.values()), "ndims")


def test_nifti_infinite_sform_that_hangs_itk(tmp_path, child):
    """ITK loops forever on an sform holding an infinity (sform_code > 0)."""
    paths = []
    for name, row in (("inf", 9), ("minus-inf", 10)):
        path = _write(tmp_path, f"sform-{name}.nii")
        _nifti_set(path, 280 + 4 * row, "f", float("inf") if name == "inf" else float("-inf"))
        paths.append(path)
    # Byte order decided by dim[0], as niftilib does, whatever sizeof_hdr says.
    odd = _write(tmp_path, "sizeof16.nii")
    _nifti_set(odd, 0, "i", 16)
    _nifti_set(odd, 316, "f", float("-inf"))
    paths.append(odd)
    _refused(child, paths, "sform")


@pytest.mark.parametrize("datatype", [32, 128, 1792, 2304])
@pytest.mark.parametrize("intent", [1006, 1007])
def test_nifti_vector_intent_with_multichannel_voxels(tmp_path, child, datatype, intent):
    """SimpleITK overruns a buffer (segfault or abort) reading complex or RGB(A) voxels
    under a vector intent."""
    path = _write(tmp_path, "vector.nii", oblique_image(np.float32, 3, ncomp=3, size=(3, 2, 2)))
    _nifti_set(path, 68, "2h", intent, datatype)
    with open(path, "ab") as stream:
        stream.write(bytes(4096))  # enough voxels for any of these types
    _refused(child, [path], "vector intent")


def test_metadata_key_that_is_not_text(tmp_path, child):
    """A header key with a byte that is not UTF-8 once raised TypeError from SimpleITK."""
    path = _write(tmp_path, "key.mha")
    _patch(path, b"TransformMatrix", b"Trans\xe6ormMatrix")
    outcome = child.read(path)
    assert outcome.status in ("ok", "error"), outcome


def test_file_name_that_is_not_utf8_is_refused_not_a_crash(tmp_path, child):
    """Python holds such a name's bytes as lone surrogates; SimpleITK aborts the process on them."""
    good = str(tmp_path / "good.mha")
    sitk.WriteImage(oblique_image(np.int16, 3, size=(4, 3, 2)), good)
    for name in (b"sch\xe4del.mha", b"missing\xe4.mha", b"img\xe4.dcm"):
        path = os.fsdecode(os.path.join(os.fsencode(tmp_path), name))
        if not name.startswith(b"missing"):
            os.link(good, path)
        outcome = child.read(path)
        assert outcome.status == "error", outcome
        assert "not valid UTF-8" in outcome.detail and f"{tmp_path}/" in outcome.detail
    assert child.read(good).status == "ok"

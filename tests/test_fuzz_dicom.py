"""DICOM fuzzing: mutants (tests/dicomfuzz.py) of single files in every transfer syntax
pydicom writes (implicit and explicit VR little endian, explicit big endian, deflate, RLE)
and those SimpleITK writes (JPEG lossless, JPEG 2000; JPEG baseline wrapped by pydicom),
of multi-frame files, and of series folders, each read in a child process.

A crash (segfault, abort), a hang, an exception other than ReadError, a ReadError that
does not name the file, or a good read that the header cannot explain (:func:`dicomfuzz.
plausible`: silently wrong) fails the test. Counts go to the terminal summary.

Fixed seed: CI makes the same 1,200 mutations every run (the base files get fresh UIDs, so the
bytes, and the counts, differ a little between runs). ``SITKVTK_FUZZ_DICOM_EXAMPLES=N``
reads N instead, ``SITKVTK_FUZZ_SEED=S`` other mutants, ``SITKVTK_FUZZ_READER=simpleitk``
bare SimpleITK (``ReadImage``; ``ImageSeriesReader`` for folders), to measure what sitkvtk
guards against (that run fails: SimpleITK crashes, hangs and pads).
"""

from __future__ import annotations

import collections
import os
import random
import shutil

import numpy as np
import pydicom
import pytest

import dicomfuzz
import dicomgen
from dicomcase import make_series
from fuzzing import CRASHES, RESULTS
from synthetic import index_values

EXAMPLES = int(os.environ.get("SITKVTK_FUZZ_DICOM_EXAMPLES", "1200"))
SEED = int(os.environ.get("SITKVTK_FUZZ_SEED", "0"))
READER = os.environ.get("SITKVTK_FUZZ_READER", "sitkvtk")
CHILD_READER, CHILD_TIMEOUT = READER, 20.0
#: Share of the mutants per kind of input.
SHARES = {"single": 0.6, "multiframe": 0.2, "series": 0.2}
SLICE = (1, 32, 40)


def _single_files(folder) -> list[str]:
    """One slice (index values) per transfer syntax, plus colour files."""
    paths = []
    volume = index_values(SLICE, 1, np.int16)
    for name, compressor, recode in [("implicit", None, None), ("jpegll", "JPEG", None),
                                     ("j2k", "JPEG2000", None), ("rle", None, "RLE"),
                                     ("deflate", None, "deflate"), ("explicit", None, None)]:
        _, _, written = make_series(os.path.join(folder, name), volume, compressor=compressor)
        if recode:
            dicomgen.recode(written[0], recode)
        if name == "explicit":
            ds = pydicom.dcmread(written[0])
            ds.file_meta.TransferSyntaxUID = dicomfuzz.EXPLICIT
            ds.save_as(written[0], enforce_file_format=True)
        paths.append(written[0])
    big = os.path.join(folder, "big.dcm")
    ds = pydicom.dcmread(paths[0])
    ds.PixelData = ds.pixel_array.astype(">i2").tobytes()
    ds.file_meta.TransferSyntaxUID = dicomfuzz.BIG
    pydicom.dcmwrite(big, ds, little_endian=False, implicit_vr=False, force_encoding=True)
    paths.append(big)
    baseline = dicomgen.jpeg_baseline_series(os.path.join(folder, "jpeg"), (volume % 251).astype(np.uint8),
                                             spacing_xy=(0.7, 1.3), positions=np.array([[1.0, 2.0, 3.0]]),
                                             direction=np.eye(3))
    paths.append(baseline[0])
    for photometric in ("RGB", "YBR_FULL"):
        colour = os.path.join(folder, f"{photometric}.dcm")
        dicomgen.colour_file(colour, index_values((16, 16), 3, np.uint8), photometric)
        paths.append(colour)
    dicomgen.recode(paths[-2], "RLE")
    return paths


def _multiframe_files(folder) -> list[str]:
    os.makedirs(folder, exist_ok=True)
    paths = []
    volume = index_values((4, 12, 10), 1, np.uint16)
    for name, sop, enhanced, modality in [("mr", "1.2.840.10008.5.1.4.1.1.4.1", True, "MR"),
                                          ("dose", "1.2.840.10008.5.1.4.1.1.481.2", False, "RTDOSE")]:
        path = os.path.join(folder, f"{name}.dcm")
        dicomgen.multiframe(path, volume, sop_class=sop, origin=(-3.0, 4.5, 7.0), direction=np.eye(3),
                            spacing=(0.8, 1.1, 2.5), enhanced=enhanced, modality=modality)
        paths.append(path)
    rle = os.path.join(folder, "mr_rle.dcm")
    shutil.copy(paths[0], rle)
    dicomgen.recode(rle, "RLE")
    paths.append(rle)
    return paths


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    root = tmp_path_factory.mktemp("dicom_bases")
    series = []
    for name, recode in (("native", None), ("rle", "RLE")):
        _, _, paths = make_series(root / f"series_{name}", index_values((4, 16, 20), 1, np.int16))
        for path in paths if recode else ():
            dicomgen.recode(path, recode)
        series.append(paths)
    return {
        "single": [[path] for path in _single_files(str(root / "single"))],
        "multiframe": [[path] for path in _multiframe_files(str(root / "multiframe"))],
        "series": series,
    }


@pytest.mark.parametrize("kind", list(SHARES))
def test_dicom_mutants_never_crash_hang_or_mislead(tmp_path, child, bases, kind):
    parsed = [[dicomfuzz.load(path) for path in group] for group in bases[kind]]
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    count = max(1, round(EXAMPLES * SHARES[kind]))
    rng = random.Random(f"{SEED}-{kind}")
    for number in range(count):
        choice = rng.randrange(len(parsed))
        folder = str(tmp_path / f"m{number}")
        if kind == "series":
            dicomfuzz.mutate_series(folder, bases[kind][choice], parsed[choice], rng)
            target, files = folder, sorted(os.path.join(folder, name) for name in os.listdir(folder))
        else:
            os.makedirs(folder)
            target = os.path.join(folder, os.path.basename(bases[kind][choice][0]))
            with open(target, "wb") as stream:
                stream.write(dicomfuzz.mutate(parsed[choice][0], rng))
            files = [target]
        outcome = child.read(target)
        status, failure = outcome.status, None
        if status == "ok":
            points, _, dims, components, total = outcome.detail.split(" ")
            why = dicomfuzz.plausible(files, tuple(int(v) for v in dims.split("x")), int(components))
            if why is None and len(files) == 1:
                why = dicomfuzz.values_disagree(files[0], int(points), float(total))
            if why == dicomfuzz.UNVERIFIED:
                counts["unverified"] += 1  # a good read, but pydicom cannot read the header to check it
            elif why is not None:
                status = "wrong"
                failure = f"silently wrong: read {dims} x{components}; {why}"
        elif status == "error" and READER == "sitkvtk" and not any(p in outcome.detail for p in [target, *files]):
            counts["unnamed"] += 1
            failure = f"error that does not name the file: {outcome.detail}"
        elif status != "error":
            failure = f"{status}: {outcome.detail}"
        counts[status] += 1
        if failure is None:
            shutil.rmtree(folder)
        else:
            kept = str(tmp_path / f"failed-m{number}")
            os.replace(folder, kept)
            failures.append(f"{kept}: {failure}")
    RESULTS[f"{READER} dicom {kind}"] = counts
    CRASHES[f"{READER} dicom {kind}"] = failures
    assert sum(v for k, v in counts.items() if k not in ("unnamed", "unverified")) == count
    assert not failures, "\n".join(failures[:20])

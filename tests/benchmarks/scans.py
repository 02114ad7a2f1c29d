"""Benchmark data that behaves like a scan, one folder per format.

A CT-like int16 volume: air at -1000 around an elliptic body whose soft tissue varies
smoothly, a denser organ inside, and noise (much less in the air). gzip takes it to
about 2:1, as it does real CT; a ramp or a constant would compress far better and make
inflate look cheap. The geometry is oblique, off-origin and anisotropic.

Each format is written to its own folder: SimpleITK, asked for ``x.nii.gz``, reads
``x.nii`` when that lies beside it. :func:`bytes_read` lets a benchmark check that the
file a reader opened is the one it named.
"""

from __future__ import annotations

import os

import numpy as np

#: folder name -> (file name, compressed)
FORMATS = {
    "mha": ("volume.mha", False),
    "nii": ("volume.nii", False),
    "nii.gz": ("volume.nii.gz", True),
    "nrrd": ("volume.nrrd", False),
    "nrrd-gzip": ("volume.nrrd", True),
}

SPACING = (0.7, 0.75, 1.25)
ORIGIN = (-180.5, -170.25, 40.0)


def direction():
    """A rotation of 20 degrees about z and 10 about x (row-major 3x3)."""
    a, b = np.radians(20.0), np.radians(10.0)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    return rz @ rx


def ct_volume(size=(512, 512, 400), seed=0, noise=60) -> np.ndarray:
    """(z, y, x) int16: a smooth body with noise, about 2:1 under gzip."""
    nx, ny, nz = size
    rng = np.random.default_rng(seed)
    z, y, x = np.ogrid[:nz, :ny, :nx]
    r2 = ((x - nx / 2) / (0.46 * nx)) ** 2 + ((y - ny / 2) / (0.40 * ny)) ** 2
    inside = np.broadcast_to(r2 < 1, (nz, ny, nx))
    organ = ((x - nx / 2) / (0.12 * nx)) ** 2 + ((y - ny * 0.45) / (0.1 * ny)) ** 2 + ((z - nz / 2) / (0.3 * nz)) ** 2
    volume = np.where(inside, (40 + 30 * np.cos(r2 * 3)).astype(np.int16), np.int16(-1000))
    volume[organ < 1] = 300
    jitter = rng.integers(-noise, noise + 1, size=(nz, ny, nx), dtype=np.int16)
    volume += np.where(inside, jitter, jitter >> 3)
    return volume


def write_formats(folder: str, size=(512, 512, 400), formats=None) -> dict[str, str]:
    """Write the volume once per format, each in ``folder/<format>/``; reuse files already
    there (same size). Returns format -> path."""
    import SimpleITK as sitk

    formats = list(formats or FORMATS)
    paths, image = {}, None
    for name in formats:
        file_name, compressed = FORMATS[name]
        path = os.path.join(folder, name, file_name)
        paths[name] = path
        stamp = path + ".size"
        if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == repr(tuple(size)):
            continue
        if image is None:
            image = sitk.GetImageFromArray(ct_volume(size))
            image.SetSpacing(SPACING)
            image.SetOrigin(ORIGIN)
            image.SetDirection(direction().ravel().tolist())
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sitk.WriteImage(image, path, useCompression=compressed)
        with open(stamp, "w") as stream:
            stream.write(repr(tuple(size)))
    return paths


def alone_in_folder(path: str) -> None:
    """Raise unless ``path`` is the only image in its folder (no twin a reader could take)."""
    others = [n for n in os.listdir(os.path.dirname(path))
              if n != os.path.basename(path) and not n.endswith(".size")]
    if others:
        raise SystemExit(f"{path}: not alone in its folder ({others}): a reader could open a twin")


def bytes_read() -> int:
    """Bytes this process has read through read() so far (/proc/self/io rchar)."""
    with open("/proc/self/io") as stream:
        for line in stream:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    return 0

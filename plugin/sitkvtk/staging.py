"""Writing into a temporary folder beside the target, then moving into place.

Nothing appears at the target until the whole write has succeeded; a failure removes
the temporary folder and leaves an existing file as it was. Every file the writer
produced is moved (two-file formats: .hdr/.img, .mhd/.raw, .nhdr/.raw.gz), the file
that was asked for last, so a header never points at a data file that is not there.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from .errors import ReadError, WriteError, itk_reason

__all__ = ["check_target", "commit"]


def check_target(path: str, force: bool) -> None:
    if not path:
        raise WriteError(path, "no file name")
    if os.path.isdir(path):
        raise WriteError(path, "is a folder")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise WriteError(path, f"the folder {folder} does not exist")
    if not force and os.path.lexists(path):
        raise WriteError(path, "exists; overwrite with force=True (--force on the command line)")


def commit(path: str, force: bool, produce) -> None:
    """Run ``produce(temporary_path)`` in a temporary folder beside ``path``, then move into place.

    ``produce`` signals failure with SimpleITK's RuntimeError, ReadError, OSError,
    TypeError or ValueError; each becomes a WriteError naming ``path``.
    """
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    try:
        temporary_folder = tempfile.mkdtemp(prefix=f".{name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise WriteError(path, f"cannot create a file in {folder} ({error.strerror})") from None
    try:
        produce(os.path.join(temporary_folder, name))
        # data files first, the file that was asked for (the header) last
        names = sorted(os.listdir(temporary_folder), key=lambda produced: produced == name)
        if name not in names:
            raise ValueError("the writer produced no file of that name")
        if not force:
            existing = [n for n in names if os.path.lexists(os.path.join(folder, n))]
            if existing:
                raise ValueError(f"{', '.join(existing)} exists; overwrite with force=True")
        for produced in names:
            os.replace(os.path.join(temporary_folder, produced), os.path.join(folder, produced))
    except RuntimeError as error:  # SimpleITK's exceptions
        raise WriteError(path, itk_reason(error)) from None
    except ReadError as error:
        raise WriteError(path, f"the written file does not read back ({error.reason})") from None
    except OSError as error:
        raise WriteError(path, error.strerror or str(error)) from None
    except (TypeError, ValueError) as error:
        raise WriteError(path, str(error)) from None
    finally:
        shutil.rmtree(temporary_folder, ignore_errors=True)

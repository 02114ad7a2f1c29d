"""The package's errors: a ReadError is an OSError whose message starts with the path, and
it survives pickling (errors cross MPI ranks). Which inputs raise it, and why: test_sources_checks.py."""

from __future__ import annotations

import pickle

import sitkvtk


def test_read_error_is_an_oserror_that_pickles(tmp_path):
    error = sitkvtk.ReadError(tmp_path / "x.nii", "broken")
    assert isinstance(error, OSError)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == f"{tmp_path / 'x.nii'}: broken"

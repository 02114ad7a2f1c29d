"""One DICOM file's header parsed in Python (dicom/parse.py), checked against pydicom."""

from __future__ import annotations

import pydicom

from dicomcase import make_series
from sitkvtk.dicom.parse import parse


def test_parser_agrees_with_pydicom_past_undefined_length_sequences(tmp_path):
    _, _, paths = make_series(tmp_path)
    ds = pydicom.dcmread(paths[0])
    item = pydicom.Dataset()
    item.CodeValue, item.CodeMeaning = "123", "nested"
    ds.ProcedureCodeSequence = [item]
    ds["ProcedureCodeSequence"].is_undefined_length = True
    for syntax in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1"):
        ds.file_meta.TransferSyntaxUID = syntax
        ds.save_as(paths[0], enforce_file_format=True)
        info = parse(paths[0])
        assert info.transfer_syntax == syntax
        assert info.get("ImagePositionPatient") == "\\".join(str(v) for v in ds.ImagePositionPatient)
        assert info.get("Rows") == str(ds.Rows)
        with open(paths[0], "rb") as stream:
            stream.seek(info.pixel_offset)
            assert stream.read() [: len(ds.PixelData)] == ds.PixelData


def test_deflated_header_is_inflated_within_a_bound(tmp_path):
    """A 5 MB file whose deflated header inflates to 1 GiB: refused, in a child limited to 1 GiB
    (the parser used to inflate all of it: 2.3 GB peak, then a MemoryError)."""
    from dicombad import deflate_header_bomb
    from fuzzing import ChildReader

    path, words = deflate_header_bomb(str(tmp_path))
    with ChildReader("sitkvtk", timeout=60, memory_mib=1024) as child:
        outcome = child.read(path)
    assert outcome.status == "error", outcome
    assert path in outcome.detail and words[0] in outcome.detail

"""A list of files as a time series: one volume per file."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from ..errors import ReadError
from ..header import ImageHeader
from .file import FileSource


class FileSeriesSource:
    """Files of one size and pixel type, one volume each: a time series (step = file index).

    The header is the first file's, with a 4th axis of one step per file; each file
    is checked against it when its step is read.
    """

    def __init__(self, paths: list[str]):
        if not paths:
            raise ReadError("<no file>", "an empty list of files")
        self.paths = [os.fspath(p) for p in paths]
        self.path = self.paths[0]
        self._files = [FileSource(p) for p in self.paths]
        self._header: ImageHeader | None = None

    @property
    def header(self) -> ImageHeader:
        if self._header is None:
            first = self._files[0].header
            if first.dimension > 3:
                raise ReadError(self.path, "a file series of 4-D files is not supported")
            dim = first.dimension
            direction = np.eye(4)
            direction[:dim, :dim] = np.reshape(first.direction, (dim, dim))
            pad = 3 - dim
            self._header = replace(
                first,
                size=first.size + (1,) * pad + (len(self.paths),),
                spacing=first.spacing + (1.0,) * pad + (1.0,),
                origin=first.origin + (0.0,) * pad + (0.0,),
                direction=tuple(direction.ravel()),
            )
        return self._header

    def read_box(self, start, size, step=0, progress=None):
        series = self.header
        source = self._files[step]
        header = source.header
        if header.volume_size != series.volume_size or header.pixel_id != series.pixel_id \
                or header.components != series.components:
            raise ReadError(
                source.path,
                f"does not match the first file of the series ({header.volume_size} "
                f"{header.pixel_type} x{header.components}, expected {series.volume_size} "
                f"{series.pixel_type} x{series.components})",
            )
        return source.read_box(start, size, 0, progress)

"""Where voxels come from: a source knows its header and reads any box of any volume.

:func:`.dispatch.open_source` is the one way from a path (a file, a list of files, a
DICOM folder) to a source. Sources do files only; the reader does geometry and VTK.
"""

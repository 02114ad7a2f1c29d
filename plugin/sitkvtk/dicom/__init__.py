"""DICOM: Part-10 parsing (:mod:`.parse`), series and stacks (:mod:`.series`), GDCM
(:mod:`.gdcm`), and the sources the reader reads from (:mod:`.source`)."""

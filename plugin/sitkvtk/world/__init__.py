"""Output for ParaView's filters, which do not all honour a direction matrix.

:mod:`.modes` chooses between the image as it is, world points (:mod:`.grid`, both ways)
and an axis-aligned resampling (:mod:`.resample`); :mod:`.reader` is the reader the
ParaView plugin runs.
"""

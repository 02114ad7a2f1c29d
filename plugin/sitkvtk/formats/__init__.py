"""What the project knows about each file format, one module per format family.

:mod:`.registry` maps a SimpleITK ImageIO name to its :class:`~.hooks.FormatHooks`;
the rest of the package asks the registry and never dispatches on a format itself.
"""

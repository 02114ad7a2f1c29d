"""ParaView plugin: every image file SimpleITK reads, where it lies in physical space.

This file ships inside the package (``sitkvtk paraview path`` prints where);
``sitkvtk paraview install`` sets ParaView up to load it. By hand: Tools > Manage
Plugins > Load New, or ``LoadPlugin("<this file>", ns=globals())``; then
``SimpleITKReader(FileName=...)`` (a file, or a list of files: a time series),
``SimpleITKDICOMFolder(FileName=folder)`` or ``OpenDataFile(...)``; "SimpleITK Writer"
saves. It needs SimpleITK importable by ParaView's Python, and on ParaView 5.11 with
Python 3.11 (Debian 12) the getargspec fix (see ``plugin/sitecustomize.py``). A checkout's
``plugin/SimpleITKPlugin.py`` runs this file's code in its own namespace. The proxies
here only declare properties: the work is done by the ``sitkvtk`` package.
"""

import importlib.util
import os
import sys

# The package this file is in, importable also when ParaView's Python has not installed it;
# put first only when no sitkvtk, or another one, would be found (a site-packages that already
# serves it is not moved ahead of the standard library).
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.path.join(_PACKAGE_ROOT, "sitkvtk") != os.path.dirname(
    os.path.abspath(getattr(importlib.util.find_spec("sitkvtk"), "origin", None) or os.curdir)
):
    sys.path.insert(0, _PACKAGE_ROOT)

from paraview.util.vtkAlgorithm import smdomain, smhint, smproperty, smproxy  # noqa: E402
from vtkmodules.vtkCommonCore import vtkStringArray  # noqa: E402

from sitkvtk.errors import ReadError, WriteError  # noqa: E402
from sitkvtk.fielddata import vtk_text  # noqa: E402
from sitkvtk.formats.registry import extensions  # noqa: E402
from sitkvtk.geometry import COORDINATE_SYSTEMS  # noqa: E402
from sitkvtk.world.modes import OUTPUT_MODES  # noqa: E402
from sitkvtk.world.reader import WorldImageReader  # noqa: E402
from sitkvtk.writer import SimpleITKWriter  # noqa: E402

paraview_plugin_name = "SimpleITKPlugin"
paraview_plugin_version = "0.1.0"

#: Extensions of the files SimpleITK's image IOs read (the package's format registry).
#: ParaView 5.11 has its own reader for some (mha mhd nrrd nhdr vtk png jpg jpeg bmp tif
#: tiff dcm mrc): File > Open asks which reader to use and OpenDataFile takes ParaView's
#: (the first by name); for the others (nii nii.gz hdr mnc gipl lsm h5 ...) ParaView has
#: none and opens with this one.
EXTENSIONS = " ".join(extensions())
DESCRIPTION = "SimpleITK images (NIfTI, MetaImage, NRRD, MINC, DICOM, TIFF, ...)"

_OUTPUT_MODE_TEXT = {
    "Auto": "Auto",
    "Image": "Image (direction matrix)",
    "StructuredGrid": "Structured grid (world points)",
    "Resampled": "Resampled to world axes",
}


def _enumeration(texts):
    entries = "".join(f'<Entry value="{i}" text="{t}"/>' for i, t in enumerate(texts))
    return f'<EnumerationDomain name="enum">{entries}</EnumerationDomain>'


def _information(key):
    """An information-only property ``<key>Info``: the header's ``key`` as text."""

    @smproperty.stringvector(name=f"{key}Info", command=f"Get{key}Info", information_only="1")
    def getter(self):
        return self.GetSummary().get(key, "")

    return getter


def _boolean(name, command, default, doc):
    return smproperty.xml(
        f"""<IntVectorProperty name="{name}" command="{command}" number_of_elements="1"
          default_values="{default}"><BooleanDomain name="bool"/>
          <Documentation>{doc}</Documentation></IntVectorProperty>"""
    )


def _with_properties_of(base):
    """ParaView takes a proxy's properties from its class's own namespace, not from its
    bases: copy ``base``'s property methods into the decorated class."""

    def copy(cls):
        for name, value in vars(base).items():
            if hasattr(getattr(value, "_pv_original_func", None), "_pvsm_property_xmls"):
                setattr(cls, name, value)
        return cls

    return copy


class _ReaderProperties(WorldImageReader):
    """The properties both reader proxies show."""

    @smproperty.intvector(name="CoordinateSystem", default_values=0)
    @smdomain.xml(_enumeration(COORDINATE_SYSTEMS))
    def SetCoordinateSystemIndex(self, index):
        self.SetCoordinateSystem(COORDINATE_SYSTEMS[index])

    # Auto: the image as it is when axis-aligned, resampled (exact) when its axes are
    # only permuted or flipped, world points when oblique: right in every filter.
    @smproperty.intvector(name="OutputMode", default_values=0)
    @smdomain.xml(_enumeration(_OUTPUT_MODE_TEXT[mode] for mode in OUTPUT_MODES))
    def SetOutputModeIndex(self, index):
        self.SetOutputMode(OUTPUT_MODES[index])

    @_boolean("TimeAsComponents", "SetTimeAsComponents", 0,
              "A 4-D image as one volume whose components are its time steps (reads all of them).")
    def SetTimeAsComponents(self, on):
        super().SetTimeAsComponents(on)

    @smproperty.doublevector(
        name="TimestepValues", information_only="1", si_class="vtkSITimeStepsProperty"
    )
    def GetTimestepValues(self):
        summary = self.GetSummary()  # empty when the file cannot be read
        return (self.GetTimeStepValues() or None) if summary else None

    GetSizeInfo = _information("Size")
    GetSpacingInfo = _information("Spacing")
    GetOriginInfo = _information("Origin")
    GetDirectionInfo = _information("Direction")
    GetPixelTypeInfo = _information("PixelType")
    GetImageIOInfo = _information("ImageIO")
    GetHeaderKeysInfo = _information("HeaderKeys")


@smproxy.reader(
    name="SimpleITKReader",
    label="SimpleITK Reader",
    extensions=EXTENSIONS,
    file_description=DESCRIPTION,
    support_reload=False,
)
# Shown as a slice on open: an image drawn where it lies in every ParaView (the default
# Outline ignores the direction matrix in 5.11 and 5.13); a structured grid (Auto on an
# oblique image) has no Slice and falls back to Outline, which is right for it.
@smhint.xml('<RepresentationType view="RenderView" type="Slice" />')
@_with_properties_of(_ReaderProperties)
class SimpleITKReaderProxy(_ReaderProperties):
    def __init__(self):
        super().__init__()
        self._chosen: list[str] = []

    # Repeatable: a list of files (the GUI's grouped scan_000.nii.gz, scan_001.nii.gz, ...
    # or OpenDataFile([...])) is a file series, one time step per file.
    @smproperty.stringvector(name="FileName", command="AddFileName", clean_command="ClearFileNames",
                             repeat_command=1, number_of_elements_per_command=1,
                             panel_visibility="never")
    @smdomain.filelist()
    @smhint.filechooser(extensions=EXTENSIONS, file_description=DESCRIPTION)
    def AddFileName(self, name):
        if name:  # ParaView pushes the empty default first
            self._chosen.append(name)
            self._apply_file_names()

    def ClearFileNames(self):
        self._chosen = []
        self._apply_file_names()

    def SetFileName(self, name):
        self._chosen = [name] if name else []
        self._apply_file_names()

    @_boolean("WholeSeries", "SetWholeSeries", 1,
              "A DICOM file opens the whole series it belongs to (off: the file alone).")
    def SetWholeSeries(self, on):
        super().SetWholeSeries(on)
        self._apply_file_names()

    def _apply_file_names(self):
        self.SetChosenFileNames(self._chosen)


@smproxy.reader(
    name="SimpleITKDICOMFolderReader",
    label="SimpleITK DICOM Folder",
    filename_patterns="*",  # a folder of DICOM files has any name
    is_directory=True,
    file_description="DICOM series folder (SimpleITK)",
    support_reload=False,
)
@smhint.xml('<RepresentationType view="RenderView" type="Slice" />')
@_with_properties_of(_ReaderProperties)
class SimpleITKDICOMFolderProxy(_ReaderProperties):
    # No <UseDirectoryName/> hint: with it, the GUI (pqObjectBuilder) hands the reader the
    # parent of the chosen path, which for a chosen folder is the wrong folder.
    @smproperty.xml(
        """<StringVectorProperty name="FileName" command="SetFileName" number_of_elements="1"
          panel_visibility="never"><FileListDomain name="files"/>
          <Documentation>A folder of DICOM files (not searched recursively).</Documentation>
        </StringVectorProperty>"""
    )
    def SetFileName(self, name):
        super().SetFileName(name)

    @smproperty.xml(
        """<StringVectorProperty name="SeriesList" command="GetSeriesList" information_only="1">
          <StringArrayHelper/></StringVectorProperty>"""
    )
    def GetSeriesList(self):
        """One "uid: description" per series in the folder, most slices first."""
        listing = vtkStringArray()
        try:
            for uid, text in zip(self.GetSeriesIDs(), self.GetSeriesDescriptions(), strict=False):
                listing.InsertNextValue(vtk_text(f"{uid}: {text}"))  # valid UTF-8, or VTK aborts
        except ReadError:
            pass  # RequestInformation reports it
        return listing

    @smproperty.xml(
        """<StringVectorProperty name="SeriesID" command="SetSeriesID" number_of_elements="1"
          information_property="SeriesList">
          <StringListDomain name="list"><RequiredProperties>
            <Property name="SeriesList" function="StringInfo"/>
          </RequiredProperties></StringListDomain>
          <Documentation>The series to read (default: the one with the most slices).</Documentation>
        </StringVectorProperty>"""
    )
    def SetSeriesID(self, value):
        # A choice from SeriesList is "uid: description"; a bare uid works too.
        super().SetSeriesID((value or "").split(":", 1)[0].strip() or None)


#: What File > Save Data offers: the medical formats ParaView has no (direction-keeping)
#: writer for. "gz" because ParaView 5.11 picks a writer by the last extension only.
WRITE_EXTENSIONS = "nii nii.gz gz nrrd nhdr mha mhd hdr mnc dcm"


@smproxy.writer(
    name="SimpleITKWriter",
    label="SimpleITK Writer",
    extensions=WRITE_EXTENSIONS,
    file_description="SimpleITK image (NIfTI, NRRD, MetaImage, Analyze, MINC, DICOM)",
    support_reload=False,
)
@smproperty.input(name="Input", port_index=0)
# A structured grid too: the reader's default output for an oblique image (world points);
# the writer recovers the image from its points and refuses a grid that is not a lattice.
@smdomain.datatype(dataTypes=["vtkImageData", "vtkStructuredGrid"], composite_data_supported=False)
class SimpleITKWriterProxy(SimpleITKWriter):
    @smproperty.stringvector(name="FileName", panel_visibility="never")
    @smdomain.filelist()
    def SetFileName(self, name):
        super().SetFileName(name)

    @smproperty.xml(
        """<StringVectorProperty name="ArrayName" command="SetArrayName" number_of_elements="1">
          <ArrayListDomain name="array_list" attribute_type="Scalars">
            <RequiredProperties><Property name="Input" function="Input"/></RequiredProperties>
          </ArrayListDomain>
          <Documentation>The point-data array to write (default: the active scalars).</Documentation>
        </StringVectorProperty>"""
    )
    def SetArrayName(self, name):
        super().SetArrayName(name)

    @smproperty.intvector(name="Compression", default_values=1)
    @smdomain.xml('<BooleanDomain name="bool"/>')
    def SetCompression(self, value):
        super().SetCompression(value)

    # Off: a format that cannot keep origin, spacing or direction is refused.
    @smproperty.intvector(name="AllowGeometryLoss", default_values=0)
    @smdomain.xml('<BooleanDomain name="bool"/>')
    def SetAllowGeometryLoss(self, value):
        super().SetAllowGeometryLoss(value)

    def Write(self):
        # ParaView calls this and prints, not raises, what escapes: say it plainly.
        try:
            return super().Write()
        except WriteError as error:
            from vtkmodules.vtkCommonCore import vtkOutputWindow

            vtkOutputWindow.GetInstance().DisplayErrorText(f"ERROR: SimpleITK Writer: {error}\n")
            return 0

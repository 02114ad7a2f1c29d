"""ParaView plugin: every image file SimpleITK reads, where it lies in physical space.

Load it with Tools > Manage Plugins > Load New, ``PV_PLUGIN_PATH=<this folder>``, or
``LoadPlugin("<this file>", ns=globals())``; then ``SimpleITKReader(FileName=...)`` or
``OpenDataFile(...)``. It needs SimpleITK importable by ParaView's Python, and on
ParaView 5.11 with Python 3.11 (Debian 12) this folder on ``PYTHONPATH`` (see
``sitecustomize.py``). The proxies here only declare properties: the work is done by
the ``sitkvtk`` package beside this file.
"""

import os
import sys

# The package beside this file, so the plugin works without installing it.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from paraview.util.vtkAlgorithm import smdomain, smhint, smproperty, smproxy  # noqa: E402

from sitkvtk.header import COORDINATE_SYSTEMS  # noqa: E402
from sitkvtk.world import OUTPUT_MODES, WorldImageReader  # noqa: E402
from sitkvtk.writer import SimpleITKWriter, WriteError  # noqa: E402

paraview_plugin_name = "SimpleITKPlugin"
paraview_plugin_version = "0.1.0"

#: Extensions of the files SimpleITK's image IOs read. ParaView 5.11 has its own reader
#: for some (mha mhd nrrd nhdr vtk png jpg jpeg bmp tif tiff dcm mrc): File > Open asks
#: which reader to use and OpenDataFile takes ParaView's (the first by name); for the
#: others (nii nii.gz hdr mnc gipl lsm h5 ...) ParaView has none and opens with this one.
EXTENSIONS = (
    "nii nii.gz nia hdr img img.gz mha mhd nrrd nhdr mnc mnc2 gipl gipl.gz "
    "dcm dicom mrc rec tif tiff png jpg jpeg bmp vtk lsm pic hdf5 h5 hdf he5 spr j2k jp2"
)
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


@smproxy.reader(
    name="SimpleITKReader",
    label="SimpleITK Reader",
    extensions=EXTENSIONS,
    file_description=DESCRIPTION,
    support_reload=False,
)
class SimpleITKReaderProxy(WorldImageReader):
    @smproperty.stringvector(name="FileName", panel_visibility="never")
    @smdomain.filelist()
    @smhint.filechooser(extensions=EXTENSIONS, file_description=DESCRIPTION)
    def SetFileName(self, name):
        super().SetFileName(name)

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
    GetMetaDataInfo = _information("MetaData")

    # DICOM folders: a second ReaderFactory hint (is_directory="1") and a SeriesID property go here.


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
@smdomain.datatype(dataTypes=["vtkImageData"], composite_data_supported=False)
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

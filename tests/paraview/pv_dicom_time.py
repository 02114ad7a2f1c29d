"""Checks run inside pvbatch by tests/paraview/test_paraview_dicom_time.py: DICOM folders, time, saving.

    pvbatch tests/paraview/pv_dicom_time.py COMMAND OUT.json ARGS...

Each command loads the plugin the way a user does, works through paraview.simple, and
writes what ParaView gave to OUT.json; the test compares it with sitkvtk and SimpleITK
in the test's own Python.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.modules.vtkRemotingCore import vtkPVFileInformation, vtkPVFileInformationHelper
from paraview.simple import (
    Calculator,
    CreateWriter,
    LoadPlugin,
    OpenDataFile,
    ProbeLocation,
    SaveData,
)

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.abspath(os.path.join(HERE, os.pardir, os.pardir, "plugin", "SimpleITKPlugin.py"))
LoadPlugin(PLUGIN, ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin


def _summary(proxy, time=None):
    """What ParaView reports, plus the fetched data: every point and value (small data)."""
    proxy.UpdatePipeline(time) if time is not None else proxy.UpdatePipeline()
    info = proxy.GetDataInformation()
    data = servermanager.Fetch(proxy)
    scalars = data.GetPointData().GetArray(0)
    ncomp = scalars.GetNumberOfComponents()
    field_data = data.GetFieldData()
    fields = [field_data.GetAbstractArray(i) for i in range(field_data.GetNumberOfArrays())]
    return {
        "type": info.GetDataSetTypeAsString(),
        "points": info.GetNumberOfPoints(),
        "bounds": list(info.GetBounds()),
        "range": list(proxy.PointData[0].GetRange(-1 if ncomp > 1 else 0)),
        "components": ncomp,
        "component_names": [scalars.GetComponentName(c) for c in range(ncomp)],
        "extent": list(data.GetExtent()),
        "xyz": [list(data.GetPoint(i)) for i in range(data.GetNumberOfPoints())],
        "values": [list(scalars.GetTuple(i)) for i in range(scalars.GetNumberOfTuples())],
        "fields": {array.GetName(): array.GetVariantValue(0).ToString() for array in fields},
    }


def _readers_for(path):
    factory = servermanager.vtkSMProxyManager.GetProxyManager().GetReaderFactory()
    offered = factory.GetReaders(path, servermanager.ActiveConnection.Session)
    return [offered.GetString(i) for i in range(1, offered.GetLength(), 3)]


def dicom(folder, first_series_file):
    """The folder opened as ParaView opens it, each series chosen from the list; one
    file of the folder with and without WholeSeries; that series' files as one list."""
    reader = OpenDataFile(folder)
    reader.UpdatePipelineInformation()
    result = {"offered": _readers_for(folder), "xml_name": reader.GetXMLName(),
              "series_list": list(reader.GetPropertyValue("SeriesList")),
              "available": list(reader.SeriesID.Available), "default": reader.SeriesID.GetData(),
              "series": {}}
    result["default_summary"] = _summary(reader)
    for choice in result["available"]:
        reader.SeriesID = choice
        result["series"][choice] = _summary(reader)
    reader.SeriesID = result["available"][-1].split(":")[0]  # a bare UID works too
    result["bare_uid"] = _summary(reader)["points"]
    single = SimpleITKReader(FileName=first_series_file)
    result["file_whole"] = _summary(single)["points"]
    single.WholeSeries = 0
    result["file_alone"] = _summary(single)["points"]
    folder_of_file = os.path.dirname(first_series_file)
    siblings = sorted(os.path.join(folder_of_file, name)
                      for name in os.listdir(folder_of_file) if name.startswith("img"))
    grouped = SimpleITKReader(FileName=siblings)
    grouped.UpdatePipelineInformation()
    result["grouped"] = {"points": _summary(grouped)["points"],
                         "times": list(grouped.TimestepValues or [])}
    return result


def _grouped_series(folder):
    """The file groups ParaView's File > Open dialog shows for ``folder`` (name -> files)."""
    helper = vtkPVFileInformationHelper()
    helper.SetPath(folder)
    helper.SetDirectoryListing(1)
    helper.SetGroupFileSequences(True)
    listing = vtkPVFileInformation()
    listing.CopyFromObject(helper)
    groups = {}
    for i in range(listing.GetContents().GetNumberOfItems()):
        item = listing.GetContents().GetItemAsObject(i)
        if item.GetType() == vtkPVFileInformation.FILE_GROUP:
            files = item.GetContents()
            groups[item.GetName()] = [files.GetItemAsObject(j).GetFullPath()
                                      for j in range(files.GetNumberOfItems())]
    return groups


def time(four_d, probes_json, series_folder):
    """A 4-D file: TimestepValues, every step, probes; as components; a grouped file series."""
    with open(probes_json) as stream:
        probes = json.load(stream)
    reader = OpenDataFile(four_d)
    reader.UpdatePipelineInformation()
    result = {"xml_name": reader.GetXMLName(), "times": list(reader.TimestepValues),
              "steps": {}, "probes": {}}
    probe = ProbeLocation(Input=reader, ProbeType="Fixed Radius Point Source")
    for t in result["times"]:
        result["steps"][repr(t)] = _summary(reader, t)
        result["probes"][repr(t)] = []
        for point in probes:
            probe.ProbeType.Center = point
            probe.UpdatePipeline(t)
            value = servermanager.Fetch(probe).GetPointData().GetArray(0).GetTuple(0)[0]
            result["probes"][repr(t)].append(value)
    reader.TimeAsComponents = 1
    reader.UpdatePipelineInformation()
    result["as_components"] = {"times": list(reader.TimestepValues or []), **_summary(reader)}

    groups = _grouped_series(series_folder)
    result["groups"] = groups
    series = OpenDataFile(groups["scan_..nii.gz"])  # what File > Open does with the group
    series.UpdatePipelineInformation()
    result["series"] = {"xml_name": series.GetXMLName(), "file_names": list(series.FileName),
                        "times": list(series.TimestepValues), "steps": {}}
    for t in result["series"]["times"]:
        result["series"]["steps"][repr(t)] = _summary(series, t)
    return result


def save(source, folder, four_d, save_time):
    """Default (Auto) output of an oblique file -> Calculator -> File > Save Data; a warped
    grid refused; one time step of a 4-D file saved."""
    reader = SimpleITKReader(FileName=source)
    reader.UpdatePipeline()
    result = {"reader_type": reader.GetDataInformation().GetDataSetTypeAsString()}
    calculator = Calculator(Input=reader, Function=f"2 * {reader.PointData[0].GetName()} + 1",
                            ResultArrayName="doubled")
    calculator.UpdatePipeline()
    result["calculator_type"] = calculator.GetDataInformation().GetDataSetTypeAsString()
    factory = servermanager.vtkSMProxyManager.GetProxyManager().GetWriterFactory()
    result["file_types"] = factory.GetSupportedFileTypes(calculator.SMProxy, 0)
    result["written"] = {}
    for name in ("out.nii.gz", "out.nrrd"):
        writer = CreateWriter(os.path.join(folder, name), calculator)
        writer.UpdatePipeline()
        result["written"][name] = writer.GetXMLName()
    # Points moved off the lattice: refused with a message, nothing written.
    warped = Calculator(Input=reader, CoordinateResults=1, ResultArrayName="warped",
                        Function="coords + 0.2 * sin(coordsX) * jHat")
    writer = CreateWriter(os.path.join(folder, "warped.nii.gz"), warped)
    writer.UpdatePipeline()
    result["warped_type"] = warped.GetDataInformation().GetDataSetTypeAsString()
    # Save Data writes the time step the source was last updated at (the one shown).
    # Not writer.UpdatePipeline(time): ParaView 5.11 sends that to a C++-only method
    # (vtkSIWriterProxy::UpdatePipelineTime) that a Python writer's proxy does not have.
    four = SimpleITKReader(FileName=four_d)
    four.UpdatePipeline(float(save_time))
    SaveData(os.path.join(folder, "step.nrrd"), four)
    result["four_type"] = four.GetDataInformation().GetDataSetTypeAsString()
    return result


COMMANDS = {"dicom": dicom, "time": time, "save": save}

if __name__ == "__main__":
    command, out, *arguments = sys.argv[1:]
    with open(out, "w") as stream:
        json.dump(COMMANDS[command](*arguments), stream)
    print("pv_dicom_time done", command, flush=True)

"""What each MPI rank holds, run by tests/paraview/test_mpi.py under ``mpiexec -n N pvbatch``.

    mpiexec -n N pvbatch tests/paraview/pv_mpi.py OUT_DIR VALUES_FILE SPHERE_FILE ISO GHOSTS

For every output mode of the SimpleITK Reader, every rank writes what it holds:

- ``OUT_DIR/piece-<mode>-rank<r>.npz``: its piece of VALUES_FILE, read with GHOSTS ghost
  levels requested (extent, values, world points or geometry, vtkGhostType arrays);
- ``OUT_DIR/contour-<mode>-rank<r>.npz``: its part of ParaView's Contour of SPHERE_FILE
  at ISO, computed from a piece read with GHOSTS ghost levels (points, triangles);
- ``OUT_DIR/moved-<mode>.json`` (rank 0): the contour's area from IntegrateVariables and
  the contour gathered to rank 0, i.e. data ParaView moved between ranks.

Each rank writes its own file from a Programmable Filter, which runs where the data
is; rank 0 also writes ``OUT_DIR/ranks.json``. Run with plain pvbatch for the serial answer.
"""

import json
import os
import sys

from paraview import servermanager
from paraview.simple import Contour, IntegrateVariables, LoadPlugin, ProgrammableFilter

PLUGIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "plugin", "SimpleITKPlugin.py")
LoadPlugin(os.path.abspath(PLUGIN), ns=globals())
SimpleITKReader = globals()["SimpleITKReader"]  # made by LoadPlugin

MODES = {"Image": "Image (direction matrix)", "StructuredGrid": "Structured grid (world points)",
         "Resampled": "Resampled to world axes"}

# Runs on every rank, on the piece that rank holds; passes the data on unchanged.
DUMP = r"""
import numpy as np
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkParallelCore import vtkMultiProcessController

controller = vtkMultiProcessController.GetGlobalController()
rank = controller.GetLocalProcessId() if controller is not None else 0
data = self.GetInputDataObject(0, 0)
self.GetOutputDataObject(0).ShallowCopy(data)

def array(attributes, name=None):
    values = attributes.GetScalars() if name is None else attributes.GetArray(name)
    return np.zeros(0) if values is None else vtk_to_numpy(values).copy()

found = {"class_name": np.array(data.GetClassName()), "values": array(data.GetPointData()),
         "point_ghosts": array(data.GetPointData(), "vtkGhostType"),
         "cell_ghosts": array(data.GetCellData(), "vtkGhostType"),
         "points": (vtk_to_numpy(data.GetPoints().GetData()).astype(float)
                    if data.GetClassName() != "vtkImageData" and data.GetPoints() is not None
                    else np.zeros((0, 3)))}
if data.GetClassName() != "vtkPolyData":
    found["extent"] = np.array(data.GetExtent())
if data.GetClassName() == "vtkImageData":
    matrix = data.GetDirectionMatrix()
    found["origin"], found["spacing"] = np.array(data.GetOrigin()), np.array(data.GetSpacing())
    found["direction"] = np.array([matrix.GetElement(r, c) for r in range(3) for c in range(3)])
if data.GetClassName() == "vtkPolyData":
    polys = data.GetPolys()
    found["connectivity"] = vtk_to_numpy(polys.GetConnectivityArray()).copy()
    found["offsets"] = vtk_to_numpy(polys.GetOffsetsArray()).copy()
np.savez(PREFIX + "-rank%d.npz" % rank, **found)
"""

# Asks the reader for ghost levels, as a filter that needs neighbours' cells would.
GHOSTS = r"""
from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline
self.GetExecutive().GetInputInformation(0, 0).Set(
    vtkStreamingDemandDrivenPipeline.UPDATE_NUMBER_OF_GHOST_LEVELS(), LEVELS)
"""


def _dump(source, prefix, ghosts):
    dump = ProgrammableFilter(Input=source)
    dump.Script = f"PREFIX = {prefix!r}\n" + DUMP
    dump.RequestUpdateExtentScript = f"LEVELS = {ghosts:d}\n" + GHOSTS
    dump.UpdatePipeline()
    return dump


def main(out_dir, values_file, sphere_file, iso, ghosts):
    from vtkmodules.vtkParallelCore import vtkMultiProcessController

    controller = vtkMultiProcessController.GetGlobalController()
    with open(os.path.join(out_dir, "ranks.json"), "w") as stream:
        json.dump({"ranks": controller.GetNumberOfProcesses() if controller else 1}, stream)
    for mode, text in MODES.items():
        reader = SimpleITKReader(FileName=values_file, OutputMode=text)
        _dump(reader, os.path.join(out_dir, f"piece-{mode}"), ghosts)
        sphere = SimpleITKReader(FileName=sphere_file, OutputMode=text)
        pieces = _dump(sphere, os.path.join(out_dir, f"sphere-{mode}"), ghosts)
        name = sphere.PointData[0].GetName()
        surface = Contour(Input=pieces, ContourBy=["POINTS", name], Isosurfaces=[iso])
        _dump(surface, os.path.join(out_dir, f"contour-{mode}"), 0)
        # Moved between ranks: reduced to rank 0 (the header's field data goes along).
        area = servermanager.Fetch(IntegrateVariables(Input=surface)).GetCellData().GetArray("Area")
        gathered = servermanager.Fetch(surface)
        with open(os.path.join(out_dir, f"moved-{mode}.json"), "w") as stream:
            json.dump({"area": area.GetValue(0) if area is not None else None,
                       "cells": gathered.GetNumberOfCells(),
                       "field_arrays": gathered.GetFieldData().GetNumberOfArrays()}, stream)


if __name__ == "__main__":
    out, values, sphere_path, value, levels = sys.argv[1:]
    main(out, values, sphere_path, float(value), int(levels))
    print("pv_mpi done", flush=True)

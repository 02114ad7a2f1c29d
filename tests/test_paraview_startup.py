"""What ParaView's Python runs at start-up after install: the .pth lines and the files they import."""

from __future__ import annotations

import os
import subprocess
import sys

from sitkvtk.paraview.startup import startup_files


def test_the_getargspec_fix_is_written_only_where_paraview_needs_it(tmp_path):
    files, pth = startup_files(str(tmp_path), needs_getargspec_fix=True)
    assert pth.splitlines() == [str(tmp_path), "import sitkvtk_getargspec", "import sitkvtk_autoload"]
    assert set(files) == {str(tmp_path / n) for n in ("sitkvtk_getargspec.py", "sitkvtk_autoload.py",
                                                      os.path.join("autoload", "SimpleITKPlugin.py"))}
    files, pth = startup_files(str(tmp_path), needs_getargspec_fix=False)
    assert pth.splitlines() == [str(tmp_path), "import sitkvtk_autoload"]
    assert str(tmp_path / "sitkvtk_getargspec.py") not in files


def _pv_plugin_path_after_start_up(tmp_path, **env) -> str:
    files, pth = startup_files(str(tmp_path), needs_getargspec_fix=False)
    for path, text in files.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    (tmp_path / "sitkvtk-paraview.pth").write_text(pth)
    code = f"import os, site; site.addsitedir({str(tmp_path)!r}); print(os.environ.get('PV_PLUGIN_PATH'))"
    child = {k: v for k, v in os.environ.items() if k != "PV_PLUGIN_PATH"}
    result = subprocess.run([sys.executable, "-S", "-c", code], env={**child, **env}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_auto_load_leaves_pythons_other_than_paraview_s_alone(tmp_path):
    # this Python is not pvpython/pvbatch/pvserver: no variable (Debian's python3 reads the same .pth)
    assert _pv_plugin_path_after_start_up(tmp_path) == "None"


def test_the_autoload_plugin_runs_the_installed_plugin_file(tmp_path):
    files, _ = startup_files(str(tmp_path), needs_getargspec_fix=False)
    thin = files[str(tmp_path / "autoload" / "SimpleITKPlugin.py")]
    # executed with a stand-in for the installed plugin: it runs that file's code, under its path
    plugin = tmp_path / "sitkvtk" / "paraview" / "SimpleITKPlugin.py"
    plugin.parent.mkdir(parents=True)
    plugin.write_text("RAN_FROM = __file__\n")
    namespace = {"__file__": str(tmp_path / "autoload" / "SimpleITKPlugin.py")}
    exec(compile(thin, namespace["__file__"], "exec"), namespace)
    assert namespace["RAN_FROM"] == str(plugin)

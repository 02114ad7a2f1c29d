"""The GUI's plugin list in its Qt settings file: one entry added and taken out, the rest kept."""

from __future__ import annotations

import pytest

from sitkvtk.paraview import gui_settings

KEY = "Local%3A\\usr\\bin\\paraview"
PLUGIN = "/home/u/my data/SimpleITKPlugin.py"
# As ParaView 5.11 wrote it after a session with the plugin loaded by hand.
WRITTEN_BY_THE_GUI = (
    "[General]\nCustomFilters=<CustomFilterDefinitions/>\\n\n\n[PluginsList]\n" + KEY
    + '="<?xml version=\\"1.0\\" ?>\\n<Plugins>\\n  <Plugin name=\\"vtkPVInitializerPlugin\\" filename=\\"linked-in\\"'
    ' auto_load=\\"0\\" />\\n  <Plugin name=\\"SimpleITKPlugin\\" filename=\\"/old/SimpleITKPlugin.py\\"'
    ' auto_load=\\"0\\" />\\n</Plugins>\\n"\n\n[pqMultiBlockInspectorWidget]\nShowHints=true\n'
)


def test_the_key_is_qt_s_escaping_of_the_gui_path():
    assert gui_settings.plugins_key("/usr/bin/paraview") == KEY
    expected = "Local%3A\\opt\\Para%20View-5.13\\bin\\paraview"
    assert gui_settings.plugins_key("/opt/Para View-5.13/bin/paraview") == expected


def test_the_settings_file_is_named_after_the_version(monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "/cfg")
    assert gui_settings.settings_file((5, 13, 2)) == "/cfg/ParaView/ParaView5.13.2.ini"
    # 6.0 and later keep one unversioned file (ParaView's 6.0.0 release notes)
    assert gui_settings.settings_file((6, 0, 1)) == "/cfg/ParaView/ParaView.ini"


@pytest.mark.parametrize("text", ["", "[General]\nx=1\n", "[General]\nx=1\n\n[PluginsList]\nOther=1\n\n[Z]\ny=2\n"],
                         ids=["no-file", "no-group", "other-keys"])
def test_adding_then_removing_gives_back_the_same_text(text):
    added = gui_settings.with_plugin(text, KEY, "SimpleITKPlugin", PLUGIN)
    assert gui_settings.registered(added, KEY, "SimpleITKPlugin", PLUGIN)
    assert f'filename=\\"{PLUGIN}\\" auto_load=\\"1\\"' in added
    assert gui_settings.with_plugin(added, KEY, "SimpleITKPlugin", PLUGIN) == added
    assert gui_settings.without_plugin(added, KEY, "SimpleITKPlugin") == text


def test_an_entry_the_gui_wrote_is_replaced_and_the_rest_kept():
    added = gui_settings.with_plugin(WRITTEN_BY_THE_GUI, KEY, "SimpleITKPlugin", PLUGIN)
    assert "/old/SimpleITKPlugin.py" not in added and gui_settings.registered(added, KEY, "SimpleITKPlugin", PLUGIN)
    assert not gui_settings.registered(WRITTEN_BY_THE_GUI, KEY, "SimpleITKPlugin", PLUGIN)
    removed = gui_settings.without_plugin(added, KEY, "SimpleITKPlugin")
    assert "SimpleITKPlugin" not in removed
    assert removed == WRITTEN_BY_THE_GUI.replace(
        '  <Plugin name=\\"SimpleITKPlugin\\" filename=\\"/old/SimpleITKPlugin.py\\" auto_load=\\"0\\" />\\n', "")


def test_a_path_that_is_not_ascii_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="by hand"):
        gui_settings.plugins_key("/opt/paräview/bin/paraview")


def test_another_plugin_s_non_ascii_path_survives_qt_s_escapes():
    """Qt writes a character outside printable ASCII as \\x<hex> (and a hex digit right after
    as \\x too): another plugin's /opt/Müll/a.so must come back exactly as Qt wrote it."""
    other = ('<?xml version="1.0" ?>\n<Plugins>\n  <Plugin name="Other" filename="/opt/M\xfcll/a.so" '
             'auto_load="1" />\n</Plugins>\n')
    qt_value = ('"<?xml version=\\"1.0\\" ?>\\n<Plugins>\\n  <Plugin name=\\"Other\\" filename=\\"/opt/M\\xfcll/'
                'a.so\\" auto_load=\\"1\\" />\\n</Plugins>\\n"')
    assert gui_settings._unquote(qt_value) == other
    assert gui_settings._quote(other) == qt_value
    assert gui_settings._unquote(gui_settings._quote("\xe9a1")) == "\xe9a1"  # é then a hex digit
    ini = f"[PluginsList]\n{KEY}={qt_value}\n"
    added = gui_settings.with_plugin(ini, KEY, "SimpleITKPlugin", "/p/SimpleITKPlugin.py")
    assert "M\\xfcll" in added and gui_settings.registered(added, KEY, "SimpleITKPlugin", "/p/SimpleITKPlugin.py")
    assert gui_settings.without_plugin(added, KEY, "SimpleITKPlugin") == ini

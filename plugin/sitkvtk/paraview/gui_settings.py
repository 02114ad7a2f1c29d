"""The ParaView GUI's list of auto-loaded plugins, in its Qt settings file.

What Tools > Manage Plugins > Auto Load does, written ahead of time. ParaView 5.11 to 6.x
(``pqPluginManager``) keep, in ``<config>/ParaView/ParaView<version>.ini`` (6.0 and later:
``ParaView.ini``, unversioned; read in ``pqApplicationCore.cxx`` and 6.0.0's release notes), group
``PluginsList``, key ``Local:<the GUI program's path>``, an XML list
``<Plugins><Plugin name= filename= auto_load=/></Plugins>`` that the GUI loads at start-up
and writes back at exit. Only that one entry of that one key is touched; the rest of the
file is kept byte for byte.
"""

from __future__ import annotations

import os
import re
from xml.sax.saxutils import quoteattr

GROUP = "[PluginsList]"
_SAFE_KEY = re.compile(r"[A-Za-z0-9_.\-]")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}
_HEX = frozenset("0123456789abcdefABCDEF")


def settings_file(version: tuple[int, int, int]) -> str:
    """Where the GUI of ParaView ``version`` keeps its Qt settings (QSettings, IniFormat)."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    # 6.0 made the settings unversioned (pqApplicationCore's VersionedSettings is off).
    name = "ParaView.ini" if tuple(version[:2]) >= (6, 0) else "ParaView{}.{}.{}.ini".format(*version)
    return os.path.join(config, "ParaView", name)


def plugins_key(gui: str) -> str:
    """The ini key of the GUI's local plugin list: Qt writes ``/`` as ``\\``, other
    characters outside ``[A-Za-z0-9_.-]`` as ``%XX``."""
    text = f"Local:{gui}"
    if not text.isascii():
        raise ValueError(f"{gui}: a path that is not ASCII; register the plugin in the GUI by hand")
    return "".join("\\" if c == "/" else c if _SAFE_KEY.match(c) else f"%{ord(c):02X}" for c in text)


def _unquote(value: str) -> str:
    """A value as Qt's ini format writes it: quoted strings (``"a""b"`` is one), backslash
    escapes, and ``\\x<hex>`` for characters outside printable ASCII (QSettings'
    iniEscapedString)."""
    value = value.strip()
    if not (value.startswith('"') and value.endswith('"')):
        return value
    out, i, body = [], 0, value[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body) and body[i + 1] == "x":
            j = i + 2
            while j < len(body) and body[j] in _HEX:
                j += 1
            out.append(chr(int(body[i + 2 : j] or "0", 16)))
            i = j
        elif c == "\\" and i + 1 < len(body) and body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif c == '"':  # where Qt closed one quoted part and opened the next
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _quote(text: str) -> str:
    """``text`` as Qt writes it back: what is not printable ASCII as ``\\x<hex>``, and a hex
    digit right after such an escape escaped too (else it would read as part of it)."""
    out, after_hex = [], False
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif not " " <= c <= "~" or (after_hex and c in _HEX):
            out.append(f"\\x{ord(c):x}")
            after_hex = True
            continue
        else:
            out.append(c)
        after_hex = False
    return '"' + "".join(out) + '"'


def _plugin_entry(name: str, filename: str) -> str:
    return f"  <Plugin name={quoteattr(name)} filename={quoteattr(filename)} auto_load=\"1\" />\n"


def _without_plugin(xml: str, name: str) -> str:
    return "".join(line for line in xml.splitlines(keepends=True) if f'name="{name}"' not in line)


def _find(lines: list[str], key: str) -> tuple[int | None, int | None]:
    """Indices of the ``[PluginsList]`` header and of ``key``'s line in it (None: absent)."""
    group = entry = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if group is not None:
                break
            if stripped == GROUP:
                group = i
        elif group is not None and stripped.split("=", 1)[0].strip() == key:
            entry = i
    return group, entry


def registered(text: str, key: str, name: str, filename: str) -> bool:
    """Whether ``text`` (the ini) auto-loads plugin ``name`` from ``filename``."""
    lines = text.splitlines(keepends=True)
    _, entry = _find(lines, key)
    if entry is None:
        return False
    xml = _unquote(lines[entry].split("=", 1)[1])
    return any(f'name="{name}"' in line and f"filename={quoteattr(filename)}" in line and 'auto_load="1"' in line
               for line in xml.splitlines())


def with_plugin(text: str, key: str, name: str, filename: str) -> str:
    """``text`` with plugin ``name`` auto-loaded from ``filename`` (replacing an entry of that name)."""
    lines = text.splitlines(keepends=True)
    group, entry = _find(lines, key)
    if entry is not None:
        xml = _without_plugin(_unquote(lines[entry].split("=", 1)[1]), name)
        head, tail = xml.rsplit("</Plugins>", 1) if "</Plugins>" in xml else ('<?xml version="1.0" ?>\n<Plugins>\n', "")
        xml = head + _plugin_entry(name, filename) + "</Plugins>" + tail
        lines[entry] = f"{key}={_quote(xml)}\n"
        return "".join(lines)
    xml = '<?xml version="1.0" ?>\n<Plugins>\n' + _plugin_entry(name, filename) + "</Plugins>\n"
    line = f"{key}={_quote(xml)}\n"
    if group is not None:
        lines.insert(group + 1, line)
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    separator = "\n" if lines else ""
    return "".join(lines) + f"{separator}{GROUP}\n{line}"


def without_plugin(text: str, key: str, name: str) -> str:
    """``text`` without plugin ``name`` in ``key``'s list; the key, then the group, go when empty."""
    lines = text.splitlines(keepends=True)
    group, entry = _find(lines, key)
    if entry is None:
        return text
    xml = _without_plugin(_unquote(lines[entry].split("=", 1)[1]), name)
    if "<Plugin " in xml:
        lines[entry] = f"{key}={_quote(xml)}\n"
        return "".join(lines)
    del lines[entry]
    end = next((i for i in range(group + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    if all(not line.strip() for line in lines[group + 1:end]):
        # the group goes; at the end of the file, with the blank line that separated it
        start = group - 1 if end == len(lines) and group > 0 and not lines[group - 1].strip() else group
        del lines[start:end]
    return "".join(lines)

"""Which files beside a bundle objective may be published: nothing a browser would run.

A bundle's images and attachments are copied into the site as they are, served from the site's
own address. An HTML page or a script among them would run there with no Content-Security-Policy,
so such files are refused by name, and an SVG image (a document that may hold script when
opened on its own) only when it holds no script, event handler or script link.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# Served as pages or scripts by every web server.
UNSAFE_SUFFIXES = (
    ".html", ".htm", ".xhtml", ".xht", ".shtml", ".js", ".mjs", ".cjs", ".xml", ".xsl", ".xslt",
    ".swf", ".svgz",
)
_ACTIVE_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"})
_LINK_ATTRIBUTES = frozenset({"href", "src", "from", "to", "values"})
_SCRIPT_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def unsafe_name(name: str) -> bool:
    return name.lower().endswith(UNSAFE_SUFFIXES)


def svg_problem(data: bytes) -> str | None:
    """What in an SVG image could run script when it is opened on its own; None if nothing.
    XML that is not well-formed cannot be checked (a browser shows what comes before the error)."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return f"XML that is not well-formed ({exc})"
    for element in root.iter():
        name = _local(element.tag)
        if name in _ACTIVE_ELEMENTS:
            return f"a <{name}> element"
        for attribute, value in element.attrib.items():
            key = _local(attribute)
            if key.startswith("on"):
                return f"an event handler ({key}=)"
            if key in _LINK_ATTRIBUTES and _SCRIPT_URL.match(value):
                return f"a script link ({key}={value[:30]!r})"
    return None


def _local(name: object) -> str:
    """An element or attribute name without its namespace, in lower case."""
    return str(name).rsplit("}", 1)[-1].lower()

"""Hostile content for the tests: payloads meant to run script or smuggle markup into a page,
sites that carry them in every text field, and a reader of a built site that lists whatever of
it came out live (an element, an attribute, a script URL, a spreadsheet formula).

Nothing hostile is committed: the tests write these sites into temporary folders.
"""

from __future__ import annotations

import csv
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup, Tag

csv.field_size_limit(1 << 30)  # titles of 200 kB are fine

PWNED = "window.__pwned=1"  # what every script payload would do, were it to run
MARK = "pwn"  # every element and attribute a payload would create carries this in its name

PAYLOADS: tuple[str, ...] = (
    f"<script>{PWNED}</script>",
    f'<img src=x onerror="{PWNED}" data-pwn>',
    f'"><svg onload="{PWNED}"><script>{PWNED}</script></svg>',
    f"'><iframe src=\"javascript:{PWNED}\" data-pwn></iframe>",
    '<style>*{display:none}</style><p style="color:red" data-pwn>styled</p>',
    (f"[js](javascript:{PWNED}) [entity](javascript&colon;{PWNED}) [tab](java\tscript:{PWNED}) "
     f"[data](data:text/html;base64,PHNjcmlwdD4=) ![img](javascript:{PWNED}) <javascript:{PWNED}> "
     "[vb](vbscript:msgbox(1)) [ref][r]\n\n[r]: javascript:alert(1)"),
    (f'<a href="javascript:{PWNED}" data-pwn>a</a><form action="javascript:{PWNED}">'
     f'<button formaction="javascript:{PWNED}">b</button></form>'),
    ('<object data="data:text/html,x" data-pwn></object><embed src="javascript:alert(1)">'
     '<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    (f'<svg><a xlink:href="javascript:{PWNED}"><text>x</text></a><animate attributeName="href" '
     f'to="javascript:{PWNED}"/><foreignObject><pwn-tag/></foreignObject></svg>'),
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWNED}>",
    "]]></title><pwn-tag/><!-- -->&amp; &lt;b&gt; &#x3C;script&#x3E; <![CDATA[x]]>",
    "{{ 7*7 }} {% raw %} ${7*7} %s %(x)s {0}",
    "Göteborg åäö 🚀 שלום עולם \u202eRTL\u202c",
)
# What a spreadsheet would run as a formula, one leading each field's payload in turn.
FORMULAS = ('=HYPERLINK("https://evil.example/","x")', "+cmd|' /C calc'!A0", "-2+3+cmd|x", "@SUM(1+1)")
ALL = " ".join(PAYLOADS)


def payload(n: int) -> str:
    """The text of the n-th field: a formula, then every payload (inline: one line)."""
    return FORMULAS[n % len(FORMULAS)] + " " + ALL.replace("\n", " ")


def body(n: int) -> str:
    """A Markdown body: every payload, a paragraph each."""
    return FORMULAS[n % len(FORMULAS)] + "\n\n" + "\n\n".join(PAYLOADS) + "\n"


def page(front: dict[str, Any], text: str = "") -> bytes:
    """A content file: `front` as YAML front matter, then the Markdown `text`."""
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1 << 20)
    return f"---\n{dumped}---\n{text}".encode()


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def payload_site(*, org: bool) -> dict[str, bytes]:
    """A site with a payload in every text field: objective and key result titles, units,
    owners, tags, notes, bodies, retrospectives, changes, cycle titles and themes, the site's
    title and description; with `org`, team and person names instead of free-text owners."""
    numbers = iter(range(1000))
    p = lambda: payload(next(numbers))
    owner = "team" if org else p()
    person = "ann" if org else p()
    files: dict[str, bytes] = {
        "site.toml": f"title = {toml_string(p())}\ndescription = {toml_string(p())}\n".encode(),
        "content/2026-Q3/_cycle.md": page({"title": p(), "theme": p(), "closed": True}, body(1)),
        "content/2026-Q3/team/past.md": page({
            "title": p(), "owner": owner, "tags": [p()], "score": 0.8, "retrospective": body(2),
            "changes": [{"date": "2026-08-01", "change": p(), "why": p()}],
            "key_results": [{"id": "a", "title": p(), "unit": p(), "start": 0, "target": 10, "current": 5}],
        }, body(3)),
        "content/2026-Q4/_cycle.md": page({"title": p(), "theme": p()}, body(4)),
        "content/2026-Q4/team/grow.md": page({
            "title": p(), "owner": owner, "tags": [p(), "../../etc", "Q4"], "retrospective": body(5),
            "changes": [{"date": "2026-10-10", "change": p(), "why": p()}],
            "key_results": [
                {"id": "a", "title": p(), "unit": p(), "owner": person, "start": 0, "target": 10},
                {"id": "m", "title": p()},
                {"id": "t", "title": p(), "target": "<= 1.0", "current": 0.8, "unit": p()},
                {"id": "l", "title": p(), "objective": "child"},
            ],
        }, body(6)),
        "content/2026-Q4/team/child.md": page({
            "title": p(), "owner": owner, "parent": "grow#a", "tags": ["Q4"],
            "key_results": [{"id": "c", "title": p(), "unit": p(), "start": 10, "target": 0}],
        }, body(7)),
        "content/2026-Q4/team/checkins/2026-11-10.md": page({
            "author": person, "objective": "grow", "confidence": "low",
            "updates": {"a": {"value": 5, "note": p()}, "m": {"done": True, "note": p()},
                        "t": {"value": 0.9, "note": p()}, "child#c": {"value": 4, "note": p()}},
        }, body(8)),
        "content/2026-Q4/team/checkins/2026-11-17.md": page({
            "author": person, "updates": {"grow#a": 7, "child#c": 3}}, body(9)),
    }
    if org:
        files["content/org.yaml"] = yaml.safe_dump({
            "teams": {"acme": {"name": p()}, "team": {"name": p(), "parent": "acme", "lead": "ann"}},
            "people": {"ann": {"name": p(), "team": "team"}},
        }, allow_unicode=True, width=1 << 20).encode()
        files["content/2026-Q4/ann/learn.md"] = page({
            "title": p(), "parent": "team/grow", "key_results": [{"title": p(), "owner": "ann"}],
        })
    return files


# Reading a built site ---------------------------------------------------------------------


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every folder, file and link below `folder`: (size, mtime in ns) of files and links,
    by relative path (a folder's own times change with what is made inside it)."""
    found = {}
    for path in folder.rglob("*"):
        stat = path.lstat()
        found[path.relative_to(folder).as_posix()] = (0, 0) if path.is_dir() and not path.is_symlink() \
            else (stat.st_size, stat.st_mtime_ns)
    return found



URL_ATTRIBUTES = frozenset({
    "href", "src", "xlink:href", "action", "formaction", "data", "poster", "srcset", "background",
    "cite", "longdesc", "manifest", "ping", "codebase", "content-location",
})
FORBIDDEN = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "foreignobject", "animate",
    "set", "animatemotion", "animatetransform", "style", "portal", "math", "template", "param",
})
_SAFE_DATA = re.compile(r"^data:image/(png|gif|jpeg|webp)[;,]")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def unsafe_url(value: str) -> bool:
    """A URL a browser would run (javascript:, vbscript:) or open as a document (data:)."""
    compact = _INVISIBLE.sub("", value).lower()
    return compact.startswith(("javascript:", "vbscript:", "livescript:")) or (
        compact.startswith("data:") and not _SAFE_DATA.match(compact))


def markup_problems(html: str, where: str, *, scripts: str | None = None) -> list[str]:
    """What in an HTML document (or fragment) is live markup that came from content.
    `scripts`: the folder (site-root relative) the theme's own external scripts live in;
    None allows no script at all."""
    problems: list[str] = []
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        assert isinstance(tag, Tag)
        name = tag.name.lower()
        if MARK in name or name in FORBIDDEN:
            problems.append(f"<{name}> element")
        if name == "script" and not _theme_script(tag, where, scripts):
            problems.append(f"script not from the theme: {str(tag)[:120]}")
        if name == "meta" and str(tag.get("http-equiv", "")).lower() == "refresh":
            problems.append("<meta http-equiv=refresh>")
        for attribute, value in tag.attrs.items():
            key = attribute.lower()
            if key.startswith("on") or key == "style" or MARK in key:
                problems.append(f"<{name} {key}=...> attribute")
            if key in URL_ATTRIBUTES and unsafe_url(" ".join(value) if isinstance(value, list) else value):
                problems.append(f"<{name} {key}={value!r}> unsafe URL")
    return [f"{where}: {p}" for p in problems]


def _theme_script(tag: Tag, where: str, scripts: str | None) -> bool:
    src = tag.get("src")
    if scripts is None or not isinstance(src, str) or tag.get_text().strip():
        return False
    if "//" in src or ":" in src:
        return False
    folder = "/" if src.startswith("/") else posixpath.dirname(where)  # the site at the root
    resolved = posixpath.normpath(posixpath.join(folder, src)).lstrip("/")
    return resolved.startswith(scripts + "/")


def formula_cells(text: str) -> list[str]:
    """CSV cells a spreadsheet would run as a formula (numbers are fine)."""
    found = []
    for row in csv.reader(text.splitlines()):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(cell):
                found.append(cell[:60])
    return found


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def site_problems(out: Path) -> list[str]:
    """Everything wrong with the built site in `out`: live markup in a page, a feed or a
    graphic, a file that does not parse, a spreadsheet formula in an export."""
    problems: list[str] = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if rel.startswith("pagefind/"):
            continue  # the search index, made by Pagefind from the pages checked here
        suffix = path.suffix
        if suffix == ".html":
            problems += markup_problems(path.read_text(encoding="utf-8"), rel, scripts="assets")
        elif suffix in (".xml", ".svg"):
            problems += _xml_problems(path.read_bytes(), rel)
        elif suffix == ".json":
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                problems.append(f"{rel}: not JSON: {exc}")
        elif suffix == ".csv":
            problems += [f"{rel}: formula cell {c!r}" for c in formula_cells(path.read_text(encoding="utf-8"))]
    return problems


def _xml_problems(data: bytes, where: str) -> list[str]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [f"{where}: not well-formed XML: {exc}"]
    problems = []
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in ("script", "foreignobject") or MARK in name:
            problems.append(f"{where}: <{name}> element")
        for attribute, value in element.attrib.items():
            key = attribute.rsplit("}", 1)[-1].lower()
            if key.startswith("on") or MARK in key or (key == "href" and unsafe_url(value)):
                problems.append(f"{where}: <{name} {key}=...>")
        if name in ("content", "summary") and element.get("type") == "html":
            problems += markup_problems(element.text or "", where + " (feed entry)")
    return problems


def string_leaves(data: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from string_leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from string_leaves(value)

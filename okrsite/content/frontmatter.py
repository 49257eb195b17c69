"""Split a content file into YAML front matter and a Markdown body, keeping line numbers.

The YAML is composed with libyaml (the C loader when present) into a node tree and converted
here, not by PyYAML's constructors, so that:
- every value keeps the file line and column it came from (`FrontMatter.where`);
- aliases cannot blow up memory or time: the conversion visits at most `MAX_NODES` nodes and
  `MAX_DEPTH` levels, so a "billion laughs" document is refused after a few thousand steps;
- duplicate keys and impossible dates (2026-02-30) are reported instead of silently accepted;
- only plain YAML types are built (no Python objects, whatever the tags say).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from ..diagnostics import Diagnostics, Location

_YAML_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _YAML_TAG + "str", _YAML_TAG + "seq", _YAML_TAG + "map"
_PLAIN = "okrsite:plain"  # an untagged, unquoted scalar, typed by `_plain_value` on conversion


class _ComposeOnly:
    """Tags untagged plain scalars `_PLAIN` instead of running PyYAML's implicit resolvers on
    every node while composing: keys never need them, and values are typed once, on use."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, parent: object, index: object) -> None:
        """No path resolvers: nothing to track while descending (called for every node)."""

    def ascend_resolver(self) -> None:
        """See descend_resolver."""


try:  # libyaml is an optional speed-up of PyYAML; fall back to the pure-Python composer
    _Loader: type = type("_Loader", (_ComposeOnly, yaml.CBaseLoader), {})
except AttributeError:  # pragma: no cover
    _Loader = type("_Loader", (_ComposeOnly, yaml.BaseLoader), {})
# YAML 1.1 implicit types, exactly as PyYAML's SafeLoader reads them: first character → (tag, regex)
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers


def _implicit_tag(value: str) -> str:
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return _STR

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 40
FENCE = "---"

Path_ = tuple[str | int, ...]


# The YAML node each value (or key) at a path was read from: its marks say where it stood.
Positions = dict[Path_, yaml.Node]


@dataclass(frozen=True)
class FrontMatter:
    """The parsed front matter of one file, its body, and where each value stood."""

    path: str
    data: dict[str, Any]
    body: str
    body_line: int
    positions: Positions = field(default_factory=dict)
    key_positions: Positions = field(default_factory=dict)
    yaml_line: int = 1  # the file line of the YAML's first line (its nodes' marks count from 0)

    def where(self, *keys: str | int) -> Location:
        """The location of the value at `keys`, or of its nearest enclosing value."""
        for end in range(len(keys), -1, -1):
            found = self.positions.get(keys[:end])
            if found is not None:
                return node_location(self.path, found, self.yaml_line)
        return Location(self.path, 1, 1)

    def where_key(self, *keys: str | int) -> Location:
        """The location of the key itself (for unknown or misspelled fields)."""
        found = self.key_positions.get(keys)
        return node_location(self.path, found, self.yaml_line) if found is not None else self.where(*keys)


def node_location(path: str, node: yaml.Node, first_line: int) -> Location:
    """Where `node` starts in the file, for YAML that starts on line `first_line` of it."""
    mark = node.start_mark
    return Location(path, mark.line + first_line, mark.column + 1)


def decode(path: str, raw: bytes, diagnostics: Diagnostics) -> str | None:
    """UTF-8 text with any byte order mark dropped and line ends made `\\n`; None if not UTF-8."""
    if len(raw) > MAX_FILE_BYTES:
        diagnostics.error(
            Location(path), "file-too-large",
            f"file is too large: okrsite reads content files up to {_size(MAX_FILE_BYTES)}",
            "split it, or move large data out of the content folder",
        )
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        diagnostics.error(
            Location(path), "encoding", "file is UTF-16, not UTF-8",
            "save the file as UTF-8 (most editors offer 'Save with encoding')",
        )
        return None
    if b"\x00" in raw:  # before decoding: binary data is not "a file in another encoding"
        diagnostics.error(
            Location(path, raw.count(b"\n", 0, raw.index(b"\x00")) + 1), "binary-file",
            "file contains NUL bytes: it looks like binary data, not text",
            "content files must be text; keep images and other files outside .md names",
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diagnostics.error(
            Location(path, line, column), "encoding",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8 (most editors offer 'Save with encoding')",
        )
        return None
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = _CONTROL.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        text = without_controls(text, Location(path, line, column), diagnostics)
    return text


# Characters no page or feed may hold (XML 1.0 forbids them; HTML calls them errors): controls
# other than tab and line ends, and the noncharacters U+FFFE and U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def without_controls(text: str, at: Location, diagnostics: Diagnostics) -> str:
    """`text` without control characters, reported (once, where the first one is) if any."""
    found = _CONTROL.search(text)
    if found is None:
        return text
    diagnostics.warning(
        at, "control-character",
        f"invisible control character U+{ord(found.group()):04X} left out (pages and feeds cannot hold it)",
        "delete it; it often comes from copying text out of a PDF or a terminal",
    )
    return _CONTROL.sub("", text)


def _size(n: int) -> str:
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n} bytes"


def parse(path: str, raw: bytes, diagnostics: Diagnostics, *, require: bool = True) -> FrontMatter | None:
    """Split and parse a content file. Problems are reported; None means the file is unusable."""
    text = decode(path, raw, diagnostics)
    if text is None:
        return None
    split = _split(path, text, diagnostics, require)
    if split is None:
        return None
    yaml_text, body, yaml_line, body_line = split
    data, positions, key_positions = read_yaml(path, yaml_text, yaml_line, diagnostics)
    if data is None:
        return None
    return FrontMatter(path, data, body, body_line, positions, key_positions, yaml_line)


# A closing line `---` or `...`, found by the line break before it (five times faster than `^`).
_FENCE_RE = re.compile(r"\n(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def _split(
    path: str, text: str, diagnostics: Diagnostics, require: bool
) -> tuple[str, str, int, int] | None:
    first_line = text.split("\n", 1)[0].rstrip()
    if first_line != FENCE:
        if not require:
            return "", text, 1, 1
        diagnostics.error(
            Location(path), "no-front-matter",
            "file does not start with front matter (a line `---`, YAML, then `---`)",
            "start the file with ---, then `title: ...`, then --- again",
        )
        return None
    start = len(first_line) + 1
    closing = _FENCE_RE.search(text, start - 1)
    if closing is None:
        diagnostics.error(
            Location(path), "unclosed-front-matter",
            "front matter opened on line 1 is never closed",
            "add a line with just --- after the last YAML line",
        )
        return None
    yaml_text = text[start : closing.start() + 1]
    body_start = closing.end() + 1
    body_line = text.count("\n", 0, body_start) + 1
    return yaml_text, text[body_start:], 2, body_line


def read_yaml(
    path: str, yaml_text: str, first_line: int, diagnostics: Diagnostics, *,
    what: str = "front matter", example: str = "title: Make onboarding fast",
) -> tuple[dict[str, Any] | None, Positions, Positions]:
    """YAML text → (mapping, value positions, key positions); `first_line` is its file line;
    `what` and `example` name the mapping expected, for the message when it is not one."""
    if not yaml_text.strip():
        return {}, {}, {}
    try:
        _check_depth(path, yaml_text, first_line)
        node = yaml.compose(yaml_text, Loader=_Loader)
    except _TooBig as exc:
        _report_too_big(exc, diagnostics)
        return None, {}, {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and mark is not None and _at_end(mark, yaml_text):
            mark = exc.context_mark  # "never closed" problems: point at where the thing opened
        line = (mark.line if mark else 0) + first_line
        column = (mark.column if mark else 0) + 1
        diagnostics.error(
            Location(path, line, column), "yaml-syntax",
            f"YAML syntax error: {_yaml_problem(exc)}", _yaml_hint(exc, yaml_text),
        )
        return None, {}, {}
    except (yaml.YAMLError, RecursionError) as exc:
        diagnostics.error(
            Location(path, first_line), "yaml-syntax", f"YAML could not be read: {exc}"[:300],
            "front matter must be a plain YAML mapping of fields",
        )
        return None, {}, {}
    if node is None:
        return {}, {}, {}
    converter = _Converter(path, first_line, diagnostics)
    if not isinstance(node, yaml.MappingNode):
        diagnostics.error(
            converter.loc(node), "yaml-not-mapping",
            f"{what} must be a mapping of fields (`key: value` lines)", f"e.g.\n    {example}",
        )
        return None, {}, {}
    try:
        data = converter.convert(node, (), 0)
    except _TooBig as exc:
        _report_too_big(exc, diagnostics)
        return None, {}, {}
    return data, converter.positions, converter.key_positions


class _TooBig(Exception):
    def __init__(self, message: str, at: Location):
        super().__init__(message)
        self.at = at


def _report_too_big(exc: _TooBig, diagnostics: Diagnostics) -> None:
    diagnostics.error(
        exc.at, "yaml-too-complex", str(exc),
        "front matter holds plain fields; remove anchors and aliases (&name, *name)"
        if "aliases" in str(exc) else "flatten the nested lists and mappings",
    )


_TOO_DEEP = f"front matter is nested more than {MAX_DEPTH} levels deep"


# libyaml composes nodes recursively in C: tens of thousands of nested `[` overflow the C stack
# and kill the process, before any limit of ours is checked. A document that might nest that deep
# is first walked as a flat stream of events (the parser keeps its own stack).
_DEPTH_SCAN_FROM = 1000


def _check_depth(path: str, text: str, first_line: int) -> None:
    """Raise _TooBig where the YAML nests deeper than MAX_DEPTH. Block nesting needs a deeper
    column for every two levels and flow nesting a bracket, so `bound` is an upper limit of the
    depth, cheap enough to skip the scan for ordinary files."""
    bound = 2 * (max(map(len, text.split("\n"))) + 1) + text.count("[") + text.count("{")
    if bound <= _DEPTH_SCAN_FROM:
        return
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _OPENING):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                line, column = (mark.line, mark.column) if mark else (0, 0)
                raise _TooBig(_TOO_DEEP, Location(path, line + first_line, column + 1))
        elif isinstance(event, _CLOSING):
            depth -= 1


_OPENING = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSING = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _Converter:
    """Turns composed YAML nodes into plain values, recording positions, within a budget."""

    def __init__(self, path: str, first_line: int, diagnostics: Diagnostics):
        self.path = path
        self.first_line = first_line
        self.diagnostics = diagnostics
        self.visited = 0
        self.positions: Positions = {}
        self.key_positions: Positions = {}

    def loc(self, node: yaml.Node) -> Location:
        return node_location(self.path, node, self.first_line)

    def convert(self, node: yaml.Node, at: Path_, depth: int) -> Any:
        """The plain value of `node`, found at `at`, `depth` levels down."""
        self.visited += 1
        if self.visited > MAX_NODES:  # at the field whose value expands that far
            field_at = self.key_positions.get(at[:1])
            raise _TooBig(f"front matter expands to more than {MAX_NODES} values (aliases?)",
                          self.loc(node if field_at is None else field_at))
        if depth > MAX_DEPTH:
            raise _TooBig(_TOO_DEEP, self.loc(node))
        if len(at) < _KEPT_DEPTH:
            self.positions.setdefault(at, node)
        tag = node.tag
        if tag == _PLAIN:  # most values: typed at once, no tag to check
            try:
                return _plain_value(node.value)
            except (ConstructorError, ValueError, OverflowError) as exc:
                self._unreadable(node, _implicit_tag(node.value), exc)
                return None
        if tag not in _PLAIN_TAGS:
            self.diagnostics.error(
                self.loc(node), "yaml-tag", f"YAML tag `{_short_tag(tag)}` is not supported here",
                "remove the tag; okrsite reads plain values only (text, numbers, dates, lists, mappings)",
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, at, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, at + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, tag)

    def _mapping(self, node: yaml.MappingNode, at: Path_, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        keep = len(at) < _KEPT_DEPTH
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.diagnostics.error(
                    self.loc(key_node), "yaml-key", "a key must be a plain name, not a list or mapping",
                    "write a plain name before the colon, e.g. title: ...",
                )
                continue
            key = key_node.value
            if key in result:
                self.diagnostics.error(
                    self.loc(key_node), "duplicate-key", f"key `{key}` appears twice in this mapping",
                    "YAML keeps only the last one; remove or merge the duplicate",
                )
            path = at + (key,)
            if keep:
                self.key_positions[path] = key_node
            result[key] = self.convert(value_node, path, depth + 1)
        return result

    def _scalar(self, node: yaml.Node, tag: str) -> Any:
        """A tagged or quoted scalar."""
        if tag not in _CONSTRUCTED_TAGS:
            # Only escapes ("\x0b") put control characters in a value, and only in double quotes.
            if getattr(node, "style", None) == '"' and _CONTROL.search(node.value):
                return without_controls(node.value, self.loc(node), self.diagnostics)
            return str(node.value)  # text, or an unsupported tag (reported) read as text
        try:
            return _typed_scalar(tag, node.value)
        except (ConstructorError, ValueError, OverflowError) as exc:
            self._unreadable(node, tag, exc)
            return None

    def _unreadable(self, node: yaml.Node, tag: str, exc: Exception) -> None:
        """Report a scalar whose text does not fit its type (2026-02-30): it reads None."""
        problem = getattr(exc, "problem", None) or str(exc)
        if tag == _YAML_TAG + "timestamp":
            self.diagnostics.error(
                self.loc(node), "impossible-date",
                f"`{node.value}` is not a real date ({problem})",
                "check the day and month, e.g. April has 30 days",
            )
        else:
            self.diagnostics.error(
                self.loc(node), "yaml-value", f"value `{node.value}` could not be read: {problem}",
                "remove the `!!` tag, or write a value of that type",
            )


# Positions are kept for paths shorter than this: deeper ones are never asked for.
_KEPT_DEPTH = 6


@functools.lru_cache(maxsize=1 << 16)
def _plain_value(text: str) -> Any:
    """The value of an untagged plain scalar: its text, or the number, date, boolean or null it
    reads as; cached (see `_typed_scalar`). Raises if it looks like a type it does not fit."""
    tag = _implicit_tag(text)
    return _typed_scalar(tag, text) if tag in _CONSTRUCTED_TAGS else text


@functools.lru_cache(maxsize=1 << 16)
def _typed_scalar(tag: str, text: str) -> Any:
    """The value of a scalar of a constructed tag; cached, as the same numbers, dates and words
    recur in thousands of check-ins (every result is immutable). Raises if it does not fit."""
    value = _CONSTRUCTORS[tag](_SAFE, yaml.ScalarNode(tag, text))
    if isinstance(value, dt.datetime):
        return value if value.time() != dt.time(0) or value.tzinfo else value.date()
    return value


# Scalars built by PyYAML's safe constructor; other plain tags (str, map, seq) are read here.
_CONSTRUCTED_TAGS = frozenset(_YAML_TAG + t for t in ("int", "float", "bool", "null", "timestamp"))
_CONSTRUCTORS = {tag: SafeConstructor.yaml_constructors[tag] for tag in _CONSTRUCTED_TAGS}
_SAFE = SafeConstructor()
_PLAIN_TAGS = _CONSTRUCTED_TAGS | {_STR, _MAP, _SEQ, "!", _PLAIN}


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag


def _at_end(mark: yaml.Mark, text: str) -> bool:
    return mark.line >= text.rstrip("\n").count("\n") + 1 or mark.index >= len(text.rstrip())


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "invalid YAML"
    if exc.context:
        return f"{problem} ({exc.context})"
    return problem


def _yaml_hint(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or ""
    if "\t" in text and ("tab" in problem or "found character" in problem):
        return "YAML does not allow tabs for indentation; indent with spaces"
    if "mapping values are not allowed" in problem:
        return "a value containing `: ` must be quoted, e.g. title: \"Q4: ship it\""
    if "could not find expected ':'" in problem:
        return "each field is `name: value`; quote values that contain special characters"
    context = exc.context or ""
    if "quoted scalar" in context:
        return "a quote opened here is never closed: end the text with the same quote mark"
    if "flow sequence" in context or "flow mapping" in context:
        return "a [ or { opened on this line or above is never closed, or a value in it needs quotes"
    if "found undefined alias" in problem:
        return "an alias *name needs an anchor &name earlier in the file"
    return "quote text values that contain `: `, `#`, `[`, `{` or start with `*`, `&`, `!`, `%`, `@`"


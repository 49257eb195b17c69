"""Find the files of a site and say what each one is, from where it stands.

content/org.yaml                              org chart
content/CYCLE/_cycle.md                       cycle meta
content/CYCLE/OWNER/SLUG.md                   objective
content/CYCLE/OWNER/SLUG/index.md             objective (bundle)
content/CYCLE/OWNER/SLUG/**/*.md              check-in of that bundle
content/CYCLE/OWNER/checkins/**/*.md          check-in of that owner
content/CYCLE/OWNER/SLUG/** (other files)     bundle asset, copied beside the page
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from ..diagnostics import Diagnostics, Location
from .assets import unsafe_name

CONTENT_DIR = "content"
ORG_FILES = ("org.yaml", "org.yml")
CYCLE_FILE = "_cycle.md"
CHECKINS_DIR = "checkins"
BUNDLE_INDEX = "index.md"

# One path segment of an id: letters (any script), digits, '.', '_', '-'; no spaces or slashes.
NAME_RE = re.compile(r"^[^\W_][\w.-]*$")


class FileKind(str, Enum):
    ORG = "org"
    CYCLE = "cycle"
    OBJECTIVE = "objective"
    CHECKIN = "checkin"
    ASSET = "asset"


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the site root, with forward slashes
    kind: FileKind
    cycle: str = ""
    owner: str = ""
    slug: str = ""  # the objective of a bundle (its index, check-ins and assets)


@dataclass(frozen=True)
class Discovery:
    files: tuple[SourceFile, ...]
    cycle_dirs: tuple[str, ...]

    @cached_property
    def cycle_files(self) -> tuple[SourceFile, ...]:
        """The cycles' own files (_cycle.md)."""
        return tuple(f for f in self.files if f.kind is FileKind.CYCLE)


def discover(site_dir: Path, diagnostics: Diagnostics) -> Discovery:
    """Every content file of the site, classified; odd files and names are reported."""
    root = site_dir.resolve() / CONTENT_DIR
    if not root.is_dir():
        diagnostics.error(
            Location(CONTENT_DIR), "no-content",
            f"the site has no {CONTENT_DIR}/ folder",
            "create content/CYCLE/OWNER/objective.md, or run `okrsite init` to start a site",
        )
        return Discovery((), ())
    walker = _Walker(site_dir.resolve(), diagnostics)
    files: list[SourceFile] = []
    cycles: list[str] = []
    for entry in walker.entries(root, CONTENT_DIR):
        if entry.is_dir:
            if walker.check_name(entry, "cycle folder"):
                cycles.append(entry.name)
                files.extend(walker.cycle(entry))
        elif entry.name in ORG_FILES:
            files.append(SourceFile(entry.rel, FileKind.ORG))
        elif entry.name.endswith(".md"):
            diagnostics.error(
                Location(entry.rel), "misplaced-file",
                "content files belong in a cycle folder, not directly in content/",
                f"move it to content/CYCLE/OWNER/{entry.name}, e.g. content/2026-Q4/my-team/{entry.name}",
            )
    return Discovery(tuple(files), tuple(cycles))


class _Entry(NamedTuple):  # a tuple: a large site has tens of thousands
    """One child of a folder: its name, path, path relative to the site, and whether a folder."""

    name: str
    path: str
    rel: str
    is_dir: bool


class _Walker:
    """Walks content/ with one `scandir` per folder (file types come with the listing)."""

    def __init__(self, site_root: Path, diagnostics: Diagnostics):
        self.site_root = site_root
        self.diagnostics = diagnostics

    def entries(self, folder: Path | str, rel: str) -> list[_Entry]:
        """Children of a folder, sorted, without hidden and `_` names, symlinks and special
        files checked, and names that clash on case-insensitive file systems reported."""
        kept: list[_Entry] = []
        folded: dict[str, str] = {}
        with os.scandir(folder) as listing:
            found = sorted(listing, key=lambda e: e.name)
        for entry in found:
            name = entry.name
            if name.startswith((".", "_")) and name != CYCLE_FILE:
                continue
            child = f"{rel}/{name}"
            if self._clashes(name, child, folded):
                continue
            if entry.is_symlink():
                if not self._safe_link(Path(entry.path), child):
                    continue
                kept.append(_Entry(name, entry.path, child, False))
            elif entry.is_dir() or entry.is_file():
                kept.append(_Entry(name, entry.path, child, entry.is_dir()))
            else:
                self._special(child)
        return kept

    def _clashes(self, name: str, rel: str, folded: dict[str, str]) -> bool:
        """Whether `name` equals an earlier sibling but for letter case or Unicode form."""
        key = name.lower() if name.isascii() else unicodedata.normalize("NFC", name).casefold()
        earlier = folded.setdefault(key, name)
        if earlier == name:
            return False
        self.diagnostics.error(
            Location(rel), "case-clash",
            f"{name!r} differs from {earlier!r} only in letter case or Unicode form; it is not read",
            "rename one: on macOS and Windows they are the same file, and their pages would collide",
        )
        return True

    def _special(self, rel: str) -> None:
        self.diagnostics.error(
            Location(rel), "not-a-file", "not a regular file or folder (a device, pipe or socket)",
            "remove it from content/; content files are plain text files",
        )

    def _safe_link(self, link: Path, rel: str) -> bool:
        try:
            target = link.resolve(strict=True)
        except (OSError, RuntimeError):  # missing target, or a loop of links
            self.diagnostics.error(
                Location(rel), "symlink-broken",
                "symbolic link points to nothing (a missing file, or a loop of links)",
                "fix the link's target, or remove the link",
            )
            return False
        if not target.is_relative_to(self.site_root):
            self.diagnostics.error(
                Location(rel), "symlink-outside",
                "symbolic link points outside the site; it is not read",
                "copy the file into the site instead of linking to it",
            )
            return False
        if target.is_dir():
            self.diagnostics.warning(
                Location(rel), "symlink-folder",
                "symbolic links to folders are not followed", "move or copy the folder instead",
            )
            return False
        if not target.is_file():
            self._special(rel)
            return False
        return True

    def check_name(self, entry: _Entry, what: str) -> bool:
        name = entry.name.removesuffix(".md")
        if NAME_RE.match(name):
            return True
        composed = unicodedata.normalize("NFC", name)
        if NAME_RE.match(composed):  # macOS (HFS+) stores letters like å as a + ring
            self.diagnostics.error(
                Location(entry.rel), "invalid-name",
                f"{what} name {name!r} is stored in decomposed Unicode (NFD), so references "
                "typed as usual would not match it",
                "rename it to its composed form (retype the name); with git on macOS, "
                "set `git config core.precomposeunicode true`",
            )
            return False
        suggestion = re.sub(r"[^\w.-]+", "-", composed).strip("-_.").lower() or "name"
        self.diagnostics.error(
            Location(entry.rel), "invalid-name",
            f"{what} name {name!r} cannot be used in an id or URL",
            f"use letters, digits, '.', '_' and '-' only, e.g. {suggestion!r}",
        )
        return False

    def cycle(self, folder: _Entry) -> list[SourceFile]:
        files: list[SourceFile] = []
        for entry in self.entries(folder.path, folder.rel):
            if entry.name == CYCLE_FILE:
                files.append(SourceFile(entry.rel, FileKind.CYCLE, folder.name))
            elif entry.is_dir:
                if self.check_name(entry, "owner folder"):
                    files.extend(self.owner(folder.name, entry))
            elif entry.name.endswith(".md"):
                self.diagnostics.error(
                    Location(entry.rel), "misplaced-file",
                    "an objective must be inside an owner folder of the cycle",
                    f"move it to {folder.name}/OWNER/{entry.name} (OWNER: the team or person)",
                )
        return files

    def owner(self, cycle: str, folder: _Entry) -> list[SourceFile]:
        files: list[SourceFile] = []
        for entry in self.entries(folder.path, folder.rel):
            if entry.is_dir and entry.name == CHECKINS_DIR:
                files.extend(
                    SourceFile(md.rel, FileKind.CHECKIN, cycle, folder.name)
                    for md in self._files_below(entry) if md.name.endswith(".md")
                )
            elif entry.is_dir:
                files.extend(self.bundle(cycle, folder.name, entry))
            elif entry.name.endswith(".md") and self.check_name(entry, "objective file"):
                files.append(SourceFile(entry.rel, FileKind.OBJECTIVE, cycle, folder.name, entry.name[:-3]))
        return files

    def bundle(self, cycle: str, owner: str, folder: _Entry) -> list[SourceFile]:
        children = self.entries(folder.path, folder.rel)
        if not any(e.name == BUNDLE_INDEX and not e.is_dir for e in children):
            self.diagnostics.warning(
                Location(folder.rel), "not-a-bundle",
                f"folder {folder.name}/ has no {BUNDLE_INDEX}, so its files are not read",
                f"an objective bundle needs {folder.name}/{BUNDLE_INDEX}; check-ins go in {CHECKINS_DIR}/",
            )
            return []
        if not self.check_name(folder, "objective bundle"):
            return []
        index = f"{folder.rel}/{BUNDLE_INDEX}"
        files: list[SourceFile] = []
        for entry in self._files_below(folder, children):
            if entry.rel == index:
                kind = FileKind.OBJECTIVE
            elif entry.name.endswith(".md"):
                kind = FileKind.CHECKIN
            elif unsafe_name(entry.name):
                self.diagnostics.error(
                    Location(entry.rel), "unsafe-asset",
                    f"{entry.name!r} would be published as a page or script of the site, where it could run",
                    "attach it as a PDF, image or text file, or link to where it is kept",
                )
                continue
            else:
                kind = FileKind.ASSET
            files.append(SourceFile(entry.rel, kind, cycle, owner, folder.name))
        return files

    def _files_below(self, folder: _Entry, children: list[_Entry] | None = None) -> list[_Entry]:
        found: list[_Entry] = []
        for entry in self.entries(folder.path, folder.rel) if children is None else children:
            if entry.is_dir:
                found.extend(self._files_below(entry))
            else:
                found.append(entry)
        return found


def walk_all(root: Path) -> list[Path]:
    """Every regular file below `root` (for static/ and theme folders), sorted, no symlinks out."""
    base = root.resolve()
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if not name.startswith(".") and _regular_inside(path, base):
                found.append(path)
    return found


def _regular_inside(path: Path, base: Path) -> bool:
    """A regular file (or a link to one) inside `base`: not a pipe, a broken link or a loop."""
    try:
        return path.resolve(strict=True).is_relative_to(base) and path.is_file()
    except (OSError, RuntimeError):
        return False

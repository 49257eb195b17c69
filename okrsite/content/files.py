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
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from ..diagnostics import Diagnostics, Location

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
    for entry in walker.entries(root):
        rel = walker.rel(entry)
        if entry.is_dir():
            if walker.check_name(entry, "cycle folder"):
                cycles.append(entry.name)
                files.extend(walker.cycle(entry))
        elif entry.name in ORG_FILES:
            files.append(SourceFile(rel, FileKind.ORG))
        elif entry.name.endswith(".md"):
            diagnostics.error(
                Location(rel), "misplaced-file",
                "content files belong in a cycle folder, not directly in content/",
                f"move it to content/CYCLE/OWNER/{entry.name}, e.g. content/2026-Q4/my-team/{entry.name}",
            )
    return Discovery(tuple(files), tuple(cycles))


class _Walker:
    def __init__(self, site_root: Path, diagnostics: Diagnostics):
        self.site_root = site_root
        self.diagnostics = diagnostics

    def rel(self, entry: Path) -> str:
        return entry.relative_to(self.site_root).as_posix()

    def entries(self, folder: Path) -> list[Path]:
        """Children of a folder, sorted, without hidden and `_` names, symlinks checked."""
        kept: list[Path] = []
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.startswith((".", "_")) and entry.name != CYCLE_FILE:
                continue
            if entry.is_symlink() and not self._safe_link(entry):
                continue
            kept.append(entry)
        return kept

    def _safe_link(self, entry: Path) -> bool:
        target = entry.resolve()
        if not target.is_relative_to(self.site_root):
            self.diagnostics.error(
                Location(self.rel(entry)), "symlink-outside",
                "symbolic link points outside the site; it is not read",
                "copy the file into the site instead of linking to it",
            )
            return False
        if target.is_dir():
            self.diagnostics.warning(
                Location(self.rel(entry)), "symlink-folder",
                "symbolic links to folders are not followed", "move or copy the folder instead",
            )
            return False
        return True

    def check_name(self, entry: Path, what: str) -> bool:
        name = entry.name[:-3] if entry.name.endswith(".md") else entry.name
        if NAME_RE.match(name):
            return True
        suggestion = re.sub(r"[^\w.-]+", "-", name).strip("-_.").lower() or "name"
        self.diagnostics.error(
            Location(self.rel(entry)), "invalid-name",
            f"{what} name {name!r} cannot be used in an id or URL",
            f"use letters, digits, '.', '_' and '-' only, e.g. {suggestion!r}",
        )
        return False

    def cycle(self, folder: Path) -> list[SourceFile]:
        files: list[SourceFile] = []
        for entry in self.entries(folder):
            rel = self.rel(entry)
            if entry.name == CYCLE_FILE:
                files.append(SourceFile(rel, FileKind.CYCLE, folder.name))
            elif entry.is_dir():
                if self.check_name(entry, "owner folder"):
                    files.extend(self.owner(folder.name, entry))
            elif entry.name.endswith(".md"):
                self.diagnostics.error(
                    Location(rel), "misplaced-file",
                    "an objective must be inside an owner folder of the cycle",
                    f"move it to {folder.name}/OWNER/{entry.name} (OWNER: the team or person)",
                )
        return files

    def owner(self, cycle: str, folder: Path) -> list[SourceFile]:
        files: list[SourceFile] = []
        for entry in self.entries(folder):
            rel = self.rel(entry)
            if entry.is_dir() and entry.name == CHECKINS_DIR:
                files.extend(
                    SourceFile(self.rel(md), FileKind.CHECKIN, cycle, folder.name)
                    for md in self._markdown_below(entry)
                )
            elif entry.is_dir():
                files.extend(self.bundle(cycle, folder.name, entry))
            elif entry.name.endswith(".md"):
                if self.check_name(entry, "objective file"):
                    files.append(SourceFile(rel, FileKind.OBJECTIVE, cycle, folder.name, entry.name[:-3]))
        return files

    def bundle(self, cycle: str, owner: str, folder: Path) -> list[SourceFile]:
        if not (folder / BUNDLE_INDEX).is_file():
            self.diagnostics.warning(
                Location(self.rel(folder)), "not-a-bundle",
                f"folder {folder.name}/ has no {BUNDLE_INDEX}, so its files are not read",
                f"an objective bundle needs {folder.name}/{BUNDLE_INDEX}; check-ins go in {CHECKINS_DIR}/",
            )
            return []
        if not self.check_name(folder, "objective bundle"):
            return []
        files: list[SourceFile] = []
        for path in self._files_below(folder):
            rel = self.rel(path)
            if path.parent == folder and path.name == BUNDLE_INDEX:
                kind = FileKind.OBJECTIVE
            elif path.name.endswith(".md"):
                kind = FileKind.CHECKIN
            else:
                kind = FileKind.ASSET
            files.append(SourceFile(rel, kind, cycle, owner, folder.name))
        return files

    def _files_below(self, folder: Path) -> list[Path]:
        found: list[Path] = []
        for entry in self.entries(folder):
            if entry.is_dir():
                found.extend(self._files_below(entry))
            else:
                found.append(entry)
        return found

    def _markdown_below(self, folder: Path) -> list[Path]:
        return [p for p in self._files_below(folder) if p.name.endswith(".md")]


def walk_all(root: Path) -> list[Path]:
    """Every regular file below `root` (for static/ and theme folders), sorted, no symlinks out."""
    base = root.resolve()
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith(".") or not path.resolve().is_relative_to(base):
                continue
            found.append(path)
    return found

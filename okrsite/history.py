"""History from git: who changed each objective file, when and why, and targets moved mid-cycle.

Costs a fixed number of git processes for the whole site, whatever its size: one `git log`
listing every commit that touched content/, and one `git cat-file --batch` that reads the old
versions of objective files changed after their cycle began. Without git (or outside a
repository) there is simply no history.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .content.documents import KRDoc, ObjectiveDoc, parse_file
from .content.files import CONTENT_DIR, FileKind, SourceFile
from .model import Objective, Site

_FORMAT = "%x1e%H%x1f%an%x1f%aI%x1f%s"
_MOVE_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    when: dt.datetime
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:8]


@dataclass(frozen=True)
class TargetMove:
    """A key result's start or target changed after its cycle began."""

    kr: str
    field: str  # start | target
    old: str
    new: str
    commit: Commit


@dataclass(frozen=True)
class History:
    """Commits per site file (newest first) and unrecorded target moves per objective id."""

    commits: Mapping[str, tuple[Commit, ...]] = field(default_factory=dict)
    moves: Mapping[str, tuple[TargetMove, ...]] = field(default_factory=dict)

    def of(self, path: str) -> tuple[Commit, ...]:
        return self.commits.get(path, ())

    def created(self, path: str) -> dt.date | None:
        """The day a file first appeared in the history."""
        found = self.commits.get(path)
        return found[-1].when.date() if found else None


NO_HISTORY = History()


def read_history(site_dir: Path, site: Site) -> History:
    """The git history of the site's content; empty when git or a repository is missing."""
    git = shutil.which("git")
    if git is None:
        return NO_HISTORY
    top = _run([git, "-C", str(site_dir), "rev-parse", "--show-toplevel"])
    if top is None:
        return NO_HISTORY
    prefix = _prefix(Path(top.decode().strip()), site_dir)
    if prefix is None:
        return NO_HISTORY
    log = _run([git, "-C", str(site_dir), "log", "--no-renames", f"--format={_FORMAT}",
                "--name-only", "--", CONTENT_DIR])
    if log is None:
        return NO_HISTORY
    commits = _parse_log(log.decode("utf-8", "replace"), prefix)
    moves = _target_moves(git, site_dir, prefix, site, commits)
    return History(commits, moves)


def _run(command: list[str], stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _prefix(top: Path, site_dir: Path) -> str | None:
    try:
        rel = site_dir.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None
    return "" if rel == "." else rel + "/"


def _parse_log(text: str, prefix: str) -> dict[str, tuple[Commit, ...]]:
    found: dict[str, list[Commit]] = defaultdict(list)
    for record in text.split("\x1e"):
        if not record.strip():
            continue
        head, _, names = record.partition("\n")
        parts = head.split("\x1f")
        if len(parts) != 4:
            continue
        sha, author, when, subject = parts
        try:
            moment = dt.datetime.fromisoformat(when)
        except ValueError:
            continue
        commit = Commit(sha, author, moment, subject)
        for name in names.splitlines():
            name = name.strip()
            if name and name.startswith(prefix):
                found[name[len(prefix):]].append(commit)
    return {path: tuple(commits) for path, commits in found.items()}


def _target_moves(git: str, site_dir: Path, prefix: str, site: Site,
                  commits: Mapping[str, tuple[Commit, ...]]) -> dict[str, tuple[TargetMove, ...]]:
    """Compare each objective's KR start/target across the versions committed after its cycle
    began (and the last version before), in one `git cat-file --batch`."""
    wanted: list[tuple[Objective, list[Commit]]] = []
    for objective in site.objectives.values():
        cycle = site.cycles.get(objective.cycle)
        history = commits.get(objective.path, ())
        if cycle is None or not history:
            continue
        after = [c for c in history if c.when.date() >= cycle.start]
        before = [c for c in history if c.when.date() < cycle.start][:1]
        if after and (len(after) + len(before)) > 1:
            wanted.append((objective, before + list(reversed(after))))  # oldest first
    if not wanted:
        return {}
    requests = [f"{c.sha}:{prefix}{o.path}" for o, versions in wanted for c in versions]
    blobs = _cat_file(git, site_dir, requests)
    moves: dict[str, tuple[TargetMove, ...]] = {}
    for objective, versions in wanted:
        found = _moves_of(objective, [(c, blobs.get(f"{c.sha}:{prefix}{objective.path}")) for c in versions])
        if found:
            moves[objective.id] = found
    return moves


def _cat_file(git: str, site_dir: Path, requests: list[str]) -> dict[str, bytes]:
    output = _run([git, "-C", str(site_dir), "cat-file", "--batch"], ("\n".join(requests) + "\n").encode())
    found: dict[str, bytes] = {}
    if output is None:
        return found
    position = 0
    for request in requests:
        end = output.find(b"\n", position)
        header = output[position:end].split()
        if len(header) != 3 or header[1] != b"blob":
            position = end + 1
            continue
        size = int(header[2])
        found[request] = output[end + 1 : end + 1 + size]
        position = end + 1 + size + 1
    return found


def _moves_of(objective: Objective, versions: list[tuple[Commit, bytes | None]]) -> tuple[TargetMove, ...]:
    """Start and target changes between consecutive versions (oldest first) of one file."""
    file = SourceFile(objective.path, FileKind.OBJECTIVE, objective.cycle, objective.owner_folder, objective.slug)
    states: list[tuple[Commit, dict[str, tuple[str, str]]]] = []
    for commit, blob in versions:
        if blob is None:
            continue
        document = parse_file(file, blob).document
        if isinstance(document, ObjectiveDoc):
            states.append((commit, {kr.id: _goal(kr) for kr in document.key_results}))
    moves: list[TargetMove] = []
    for (_, old), (commit, new) in itertools.pairwise(states):
        for kr_id, (new_start, new_target) in new.items():
            if kr_id not in old:
                continue
            old_start, old_target = old[kr_id]
            for name, before, after in (("start", old_start, new_start), ("target", old_target, new_target)):
                if before != after and not _recorded(objective, kr_id, commit):
                    moves.append(TargetMove(kr_id, name, before, after, commit))
    return tuple(moves)


def _goal(kr: KRDoc) -> tuple[str, str]:
    target = str(kr.threshold) if kr.threshold else ("" if kr.target is None else f"{kr.target:g}")
    return ("" if kr.start is None else f"{kr.start:g}", target)


def _recorded(objective: Objective, kr_id: str, commit: Commit) -> bool:
    """A `changes:` entry accounts for a move when it names the KR or is dated within a week."""
    for change in objective.changes:
        text = f"{change.change} {change.why}".lower()
        if kr_id.lower() in text:
            return True
        if change.date and abs((change.date - commit.when.date()).days) <= _MOVE_WINDOW_DAYS:
            return True
    return False


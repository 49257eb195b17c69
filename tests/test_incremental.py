"""Incremental builds equal clean builds byte for byte, after every kind of change, and a build
with nothing changed rewrites nothing (Lektor's and Hugo's rule for a build cache)."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from okrsite import build as build_module
from okrsite import cache as cache_module
from okrsite.build import BuildError, BuildOptions, BuildResult, build_site
from okrsite.cache import BuildCache
from okrsite.check import check_site
from okrsite.content import loader
from okrsite.content.files import discover
from okrsite.content.units import UnitState
from okrsite.diagnostics import Diagnostics
from okrsite.render.pages import Page
from okrsite.render.views import ObjectiveSummary

from .conftest import FixtureSite, dedent
from .test_site import FILES, TODAY

RELIABILITY = "content/2026-Q4/platform/reliability"
OVERRIDE = "themes/default/templates/objective.html"
SITE_FILES = {
    **FILES,
    # A site template and asset of its own, so template and asset edits can be tested
    # without touching the built-in theme.
    OVERRIDE: """
        {% extends "@default/objective.html" %}
        {% block title %}Objective: {{ super() }}{% endblock %}
    """,
    "themes/default/static/css/extra.css": "body { margin: 0 }\n",
    "static/robots.txt": "User-agent: *\n",
}


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) → its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def build(root: Path, out: Path, *, cache: Path | None = None, clean: bool = False) -> BuildResult:
    return build_site(root, BuildOptions(out_dir=out, today=TODAY, cache_dir=cache, use_cache=not clean))


def assert_same_tree(incremental: Path, clean: Path) -> None:
    got, want = tree(incremental), tree(clean)
    assert sorted(got) == sorted(want), (
        f"only in the incremental build: {sorted(set(got) - set(want))}; "
        f"only in the clean build: {sorted(set(want) - set(got))}")
    differ = [rel for rel in want if got[rel] != want[rel]]
    assert not differ, f"incremental and clean builds differ in {differ}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def rename(root: Path, old: str, new: str) -> None:
    (root / old).rename(root / new)


Change = Callable[[Path], object]

CHANGES: dict[str, Change] = {
    "checkin-edited": lambda root: edit(root / RELIABILITY / "2026-11-13.md", "uptime: 99.81", "uptime: 99.9"),
    "checkin-note-edited": lambda root: edit(root / RELIABILITY / "2026-11-13.md",
                                             "Deploys beat the target.", "Deploys beat the *goal*."),
    "objective-title-edited": lambda root: edit(root / "content/2026-Q4/sales/pipeline.md",
                                                "title: Build pipeline", "title: Build the pipeline"),
    "objective-target-edited": lambda root: edit(root / "content/2026-Q4/sales/pipeline.md",
                                                 "target: 100}", "target: 50}"),
    "objective-realigned": lambda root: edit(root / "content/2026-Q4/alice/learn.md",
                                             "parent: platform/reliability", "parent: sales/pipeline"),
    "objective-tags-edited": lambda root: edit(root / "content/2026-Q4/sales/pipeline.md",
                                               "tags: [revenue]", "tags: [revenue, leads]"),
    "checkin-added": lambda root: FixtureSite(root).write({
        "content/2026-Q4/sales/checkins/2026-11-15.md": """
            ---
            author: grace
            updates:
              pipeline#leads: 40
            ---
            Picking up.
        """}),
    "objective-added": lambda root: FixtureSite(root).write({
        "content/2026-Q4/bob/automate.md": """
            ---
            title: Automate the runbooks
            parent: platform/reliability#runbooks
            tags: [reliability]
            key_results:
              - {id: scripts, title: Scripts from 0 to 10, start: 0, target: 10}
            ---
        """}),
    "checkin-deleted": lambda root: (root / RELIABILITY / "2026-10-20.md").unlink(),
    "objective-deleted": lambda root: (root / "content/2026-Q4/alice/learn.md").unlink(),
    "objective-renamed": lambda root: rename(root, "content/2026-Q4/alice/learn.md",
                                             "content/2026-Q4/alice/learn-rust.md"),
    "checkin-renamed": lambda root: rename(root, "content/2026-Q4/sales/checkins/2026-10-05.md",
                                           "content/2026-Q4/sales/checkins/2026-10-12.md"),
    "template-edited": lambda root: edit(root / OVERRIDE, "Objective: ", "Goal: "),
    "org-edited": lambda root: edit(root / "content/org.yaml", "Platform team", "Platform"),
    "site-toml-edited": lambda root: (root / "site.toml").write_text('title = "Acme goals"\n'),
    # Compiled templates hold the theme's strings in the site's language (folded when compiled).
    "language-changed": lambda root: (root / "site.toml").write_text('language = "sv"\n'),
    "theme-asset-edited": lambda root: (root / "themes/default/static/css/extra.css").write_text("body{}\n"),
    "static-file-deleted": lambda root: (root / "static/robots.txt").unlink(),
    "cycle-notes-edited": lambda root: edit(root / "content/2026-Q3/_cycle.md", "ship smaller", "ship small"),
}


@pytest.fixture
def fixture_site(site: FixtureSite) -> FixtureSite:
    return site.write(SITE_FILES)


@pytest.mark.parametrize("kind", list(CHANGES))
def test_incremental_build_equals_clean_build(kind: str, fixture_site: FixtureSite, tmp_path: Path) -> None:
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    build(root, out, cache=cache)
    CHANGES[kind](root)
    result = build(root, out, cache=cache)
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")
    assert 0 < result.rendered < result.pages or kind in {"template-edited", "site-toml-edited",
                                                          "language-changed", "theme-asset-edited", "static-file-deleted",
                                                          "org-edited"}, result.rendered
    again = build(root, out, cache=cache)
    assert again.rendered == 0 and again.changed == ()


def test_an_incremental_build_moves_replaced_files_aside_and_puts_one_back_if_its_move_fails(
    fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A changed page is moved in only where no file is: the old one is moved aside first
    (ext4 writes a file renamed over another out at once) and deleted after. If moving the new
    page in fails, the old one goes back: the build fails and the output is as it was."""
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    build(root, out, cache=cache)
    before = tree(out)
    CHANGES["checkin-edited"](root)
    replaced: list[tuple[str, bool]] = []  # (target, whether a file stood there)
    real_replace = build_module.os.replace

    def failing(source: object, target: object) -> None:
        if "staging" in str(source):  # moving a new page in (not putting an old one back)
            replaced.append((str(target), Path(str(target)).exists()))
            if str(target).endswith("pipeline/index.html"):
                raise OSError("no space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module.os, "replace", failing)
    with pytest.raises(OSError, match="no space"):
        build(root, out, cache=cache)
    monkeypatch.setattr(build_module.os, "replace", real_replace)
    assert tree(out) == before
    assert len(replaced) > 1 and not any(existed for _, existed in replaced)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []

    result = build(root, out, cache=cache)
    assert "2026-Q4/platform/reliability/index.html" in result.changed
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_renamed_checkin_moves_its_values(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """A rename is a delete and an add in one: both sides must be noticed."""
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    build(root, out, cache=cache)
    CHANGES["checkin-renamed"](root)
    result = build(root, out, cache=cache)
    assert "2026-Q4/sales/pipeline/index.html" in result.changed


def test_second_build_rewrites_nothing(fixture_site: FixtureSite, tmp_path: Path) -> None:
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    first = build(root, out, cache=cache)
    assert first.rendered == first.pages
    before = mtimes(out)
    second = build(root, out, cache=cache)
    assert second.rendered == 0
    assert second.changed == ()
    assert mtimes(out) == before


def test_a_build_after_no_edit_keeps_the_state_file_and_the_next_edit_still_equals_a_clean_build(
    fixture_site: FixtureSite, tmp_path: Path,
) -> None:
    """The state a build leaves (what it found, every object's digests) is seconds of encoding
    on a large site: a build that found what the last one did leaves the file as it is."""
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    build(root, out, cache=cache)
    state = cache / "state.pickle"
    written = state.stat()
    build(root, out, cache=cache)
    assert (state.stat().st_ino, state.stat().st_mtime_ns) == (written.st_ino, written.st_mtime_ns)
    edit(root / RELIABILITY / "2026-11-13.md", "p99: {value: 540", "p99: {value: 520")
    edited = build(root, out, cache=cache)
    assert 0 < edited.rendered < edited.pages
    assert state.read_bytes() != b"" and state.stat().st_mtime_ns != written.st_mtime_ns
    edit(root / RELIABILITY / "2026-11-13.md", "p99: {value: 520", "p99: {value: 530")
    again = build(root, out, cache=cache)  # reads the state the edit left
    assert 0 < again.rendered < again.pages
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")


@pytest.mark.parametrize("kind", ["checkin-edited", "theme-asset-edited", "objective-deleted"])
def test_changed_lists_every_output_whose_bytes_changed(kind: str, fixture_site: FixtureSite,
                                                        tmp_path: Path) -> None:
    """What a dev server reloads tabs by: changed pages and assets, and removed files (the
    search index, rebuilt after the pages, is not listed)."""
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    build(root, out, cache=cache)
    before = tree(out)
    CHANGES[kind](root)
    result = build(root, out, cache=cache)
    after = tree(out)
    differ = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
    assert set(result.changed) == {rel for rel in differ if not rel.startswith(("pagefind/", ".okrsite"))}
    assert result.changed


def test_ci_restores_cache_and_output_into_a_fresh_checkout(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """A CI job: fresh checkout (new mtimes), cache and previous output restored, one check-in
    edited. Only the pages that check-in touches are rendered, and the result is a clean build."""
    first = fixture_site.root
    build(first, first / "public")  # cache in SITE/.okrsite-cache, as by default
    checkout = tmp_path / "checkout"
    shutil.copytree(first, checkout, copy_function=shutil.copy)  # shutil.copy: new mtimes
    for root in (first, checkout):
        edit(root / RELIABILITY / "2026-11-13.md", "p99: {value: 540", "p99: {value: 520")
    in_place = build(first, first / "public")
    result = build(checkout, checkout / "public")
    assert 0 < result.rendered == in_place.rendered < result.pages
    assert result.changed == in_place.changed
    build(checkout, tmp_path / "clean", clean=True)
    assert_same_tree(checkout / "public", tmp_path / "clean")


def test_failed_build_keeps_the_cache_usable(fixture_site: FixtureSite, tmp_path: Path) -> None:
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    build(root, out, cache=cache)
    path = root / RELIABILITY / "2026-11-13.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(dedent("""
        ---
        updates: [unclosed
        ---
    """), encoding="utf-8")
    with pytest.raises(BuildError):
        build(root, out, cache=cache)
    path.write_text(good.replace("uptime: 99.81", "uptime: 99.85"), encoding="utf-8")
    result = build(root, out, cache=cache)
    assert 0 < result.rendered < result.pages
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")


def test_a_cache_kept_open_across_builds_equals_clean_builds(fixture_site: FixtureSite,
                                                            tmp_path: Path) -> None:
    """The dev server keeps one BuildCache across rebuilds, failed ones too."""
    root, out = fixture_site.root, tmp_path / "out"
    kept = BuildCache.open(tmp_path / "cache")
    options = BuildOptions(out_dir=out, today=TODAY, cache=kept)
    build_site(root, options)
    broken = root / RELIABILITY / "2026-10-20.md"
    for kind in ("checkin-edited", "broken", "objective-renamed", "template-edited", "org-edited"):
        if kind == "broken":
            good = broken.read_text(encoding="utf-8")
            broken.write_text("---\nupdates: [unclosed\n---\n", encoding="utf-8")
            with pytest.raises(BuildError):
                build_site(root, options)
            broken.write_text(good.replace("p99: 700", "p99: 690"), encoding="utf-8")
        else:
            CHANGES[kind](root)
        result = build_site(root, options)
        assert result.rendered < result.pages or kind in {"template-edited", "org-edited"}, kind
        clean = tmp_path / f"clean-{kind}"
        build(root, clean, clean=True)
        assert_same_tree(out, clean)
    assert build_site(root, options).rendered == 0
    reopened = BuildCache.open(tmp_path / "cache")  # what is on disk is what was kept
    assert reopened.documents.keys(stored=True) == kept.documents.keys()
    assert reopened.pages == kept.pages


def _touched(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """The paths a watcher would report between two states of a site folder."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_build_told_what_changed_equals_clean_builds(kind: str, fixture_site: FixtureSite,
                                                       tmp_path: Path) -> None:
    """The dev server tells each build the paths its watcher saw change: the build reads only
    those (when they are edits of files it knows) and equals a clean build."""
    root, out = fixture_site.root, tmp_path / "out"
    options = BuildOptions(out_dir=out, today=TODAY, cache=BuildCache.open(tmp_path / "cache"))
    build_site(root, options)
    before = tree(root)
    CHANGES[kind](root)
    touched = _touched(before, tree(root)) | {"content/2026-Q4/sales/.pipeline.md.swp"}  # came and went
    build_site(root, replace(options, touched=touched))
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")


def test_edit_after_edit_in_one_process_equals_clean_builds(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """A dev server's builds one after another: each reuses what the last one made in memory
    (the index, the key results, the grouping of files), and each equals a clean build."""
    root, out = fixture_site.root, tmp_path / "out"
    options = BuildOptions(out_dir=out, today=TODAY, cache=BuildCache.open(tmp_path / "cache"))
    build_site(root, options)
    for kind in ("checkin-edited", "objective-title-edited", "checkin-note-edited", "objective-target-edited",
                 "objective-realigned", "objective-tags-edited", "checkin-added", "checkin-deleted"):
        before = tree(root)
        CHANGES[kind](root)
        build_site(root, replace(options, touched=_touched(before, tree(root))))
        clean = tmp_path / f"clean-{kind}"
        build(root, clean, clean=True)
        assert_same_tree(out, clean)


def test_a_build_told_nothing_changed_reads_nothing(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """What makes it fast: the files the watcher did not name are not read again."""
    root, out = fixture_site.root, tmp_path / "out"
    options = BuildOptions(out_dir=out, today=TODAY, cache=BuildCache.open(tmp_path / "cache"))
    build_site(root, options)
    CHANGES["checkin-edited"](root)
    assert build_site(root, replace(options, touched=())).rendered == 0
    assert build_site(root, replace(options, touched={f"{RELIABILITY}/2026-11-13.md"})).rendered > 0
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")


def test_pages_reuse_their_unchanged_parts(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """A list page rendered again after one objective moved renders only that objective's
    item: the others come from the last build ({% cache %}), and the page equals a clean
    build's."""
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    first = build(root, out, cache=cache)
    assert first.fragments[0] == 0 and first.fragments[1] > 0
    CHANGES["checkin-edited"](root)
    second = build(root, out, cache=cache)
    reused, made = second.fragments
    assert reused > 0 and 0 < made < first.fragments[1], (first.fragments, second.fragments)
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")
    CHANGES["template-edited"](root)  # another theme: nothing is reused
    third = build(root, out, cache=cache)
    assert third.fragments[0] == 0 and third.fragments[1] > 0
    build(root, tmp_path / "clean2", clean=True)
    assert_same_tree(out, tmp_path / "clean2")


def test_documents_written_apart_are_read_back_by_the_next_build(
    fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cold build of many units writes the parsed documents from a forked process while it
    plans; the cache then holds every document and no temporary file, and a later build that
    resolves everything again (settings changed) parses nothing."""
    import okrsite.cache as cache_module
    import okrsite.content.loader as loader_module

    monkeypatch.setattr(cache_module, "DOCUMENTS_APART", 1)
    root, cache = fixture_site.root, tmp_path / "cache"
    result = build_site(root, BuildOptions(out_dir=tmp_path / "out", today=TODAY, cache_dir=cache))
    stored = BuildCache.open(cache).documents.keys(stored=True)
    assert len(stored) == len(list((root / "content").rglob("*.md"))) + 1 > 5  # and org.yaml
    assert [p.name for p in cache.rglob("*") if p.name.endswith((".tmp", ".pending"))] == []
    parsed: list[str] = []
    parse = loader_module.parse_file
    monkeypatch.setattr(loader_module, "parse_file", lambda file, raw: (parsed.append(file.path), parse(file, raw))[1])
    config = root / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title = "', 'title = "New '), encoding="utf-8")
    again = build_site(root, BuildOptions(out_dir=tmp_path / "out", today=TODAY, cache_dir=cache))
    assert again.rendered == again.pages == result.pages and parsed == []


def _build_jobs(root: Path, out: Path, cache: Path, jobs: int = 2) -> BuildResult:
    return build_site(root, BuildOptions(out_dir=out, today=TODAY, cache_dir=cache, jobs=jobs))


@pytest.mark.parametrize("kind", ["checkin-edited", "checkin-note-edited", "objective-title-edited",
                                  "objective-realigned", "checkin-added", "checkin-deleted",
                                  "objective-target-edited"])
def test_an_incremental_build_rendering_ahead_equals_a_clean_build(
    kind: str, fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a large site, forked processes render the site-wide pages while the plan works out
    every page's digest (build._render_ahead); what they leave equals a clean build."""
    monkeypatch.setattr(build_module, "LARGE_SITE", 1)
    started: list[object] = []
    render_ahead = build_module._render_ahead

    def recorded(*args: object, **kwargs: object) -> object:
        started.append(render_ahead(*args, **kwargs))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(build_module, "_render_ahead", recorded)
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    _build_jobs(root, out, cache)
    assert started == []  # a cold build has no previous output to compare with
    CHANGES[kind](root)
    result = _build_jobs(root, out, cache)
    assert len(started) == 1 and started[0] is not None
    assert 0 < result.rendered < result.pages
    build(root, tmp_path / "clean", cache=tmp_path / "clean-cache")
    assert_same_tree(out, tmp_path / "clean")
    # every page's digest, those the processes rendering ahead worked out too, as a clean build has it
    assert BuildCache.open(cache).pages.inputs == BuildCache.open(tmp_path / "clean-cache").pages.inputs
    again = _build_jobs(root, out, cache)
    assert again.rendered == 0 and again.changed == ()


def test_the_digests_of_pages_rendered_ahead_are_worked_out_by_the_processes_taking_them(
    fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The processes rendering ahead work out the digests of the pages they take; the plan
    works out the others' meanwhile, and not those again: each page's digest is worked out
    once."""
    monkeypatch.setattr(build_module, "LARGE_SITE", 1)
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    _build_jobs(root, out, cache)
    parent, digest, log = os.getpid(), build_module.PageInputs.digest, tmp_path / "digests"

    def logged(inputs: build_module.PageInputs, page: Page) -> str:
        with log.open("a") as file:  # written by forked processes too
            file.write(f"{'parent' if os.getpid() == parent else 'child'} {page.kind} {page.output}\n")
        return digest(inputs, page)

    monkeypatch.setattr(build_module.PageInputs, "digest", logged)
    CHANGES["checkin-edited"](root)
    _build_jobs(root, out, cache)
    seen = [line.split() for line in log.read_text().splitlines()]
    ahead = {output for who, kind, output in seen if kind in build_module._AHEAD}
    assert {"okrs.json", "index.html", "cascade/2026-Q4/index.html"} <= ahead
    # once each: in the process that took the page (the plan joins them once it is done)
    assert sorted(output for who, kind, output in seen if output in ahead) == sorted(ahead)
    assert any(who == "child" for who, kind, output in seen if output in ahead)
    assert any(who == "parent" and kind == "objective" for who, kind, output in seen)


def test_the_state_file_keeps_each_unit_apart_and_an_edit_encodes_its_unit_only(
    fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The state a build leaves holds each unit's state, and the summaries of each unit's
    objectives, on their own: the next build writes the bytes it read for every unit it did
    not read again. A damaged state file is no state."""
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    build(root, out, cache=cache)
    first, read = cache_module._read_state(cache / "state.pickle")
    assert isinstance(first, build_module.BuildState)
    units = first.checked.site.units
    assert len(units) > 3 and units.keys() <= read.keys()
    groups = {key[1] for key in read if isinstance(key, tuple) and key[0] == "summaries"}
    assert groups == {oid.rpartition("/")[0] for oid in first.summaries} and len(groups) > 3
    log, dumps = tmp_path / "dumped", pickle.dumps

    def logged(value: object, *args: object, **kwargs: object) -> bytes:
        with log.open("a") as file:  # the state is written by a forked process
            if isinstance(value, UnitState):
                file.write(f"unit {value.files[0][0] if value.files else ''}\n")
            elif isinstance(value, dict) and value and all(isinstance(v, ObjectiveSummary) for v in value.values()):
                file.write(f"summaries {' '.join(sorted(value))}\n")
        return dumps(value, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pickle, "dumps", logged)
    CHANGES["checkin-edited"](root)
    build(root, out, cache=cache)
    monkeypatch.setattr(pickle, "dumps", dumps)
    edited = "/".join(RELIABILITY.split("/")[1:3])  # content/<cycle>/<team>/...: its unit
    lines = log.read_text().splitlines()
    assert [line.split("/")[:3] for line in lines if line.startswith("unit ")] == [("unit " + RELIABILITY).split("/")[:3]]
    # the summaries of the edited team's objectives and of those above it (progress rolls up)
    site = check_site(root, today=TODAY).site
    assert site is not None
    about = next(o for o in site.objectives if o.startswith(edited + "/"))
    moved = {oid.rpartition("/")[0] for oid in (about, *site.ancestors(about))}
    summarised = {line.split()[1].rpartition("/")[0] for line in lines if line.startswith("summaries ")}
    assert summarised == moved and len(moved) < len(groups), lines
    second, _ = cache_module._read_state(cache / "state.pickle")
    assert isinstance(second, build_module.BuildState)
    clean, _ = cache_module._read_state(_clean_state(root, tmp_path))
    assert second.checked.site.units == clean.checked.site.units  # type: ignore[attr-defined]
    assert second.summaries == clean.summaries  # type: ignore[attr-defined]
    data = (cache / "state.pickle").read_bytes()
    for damaged in (data[:-1], data[:len(data) // 2], cache_module._STATE_MAGIC + b"12\n" + data[40:], pickle.dumps(second)):
        (cache / "state.pickle").write_bytes(damaged)
        assert cache_module._read_state(cache / "state.pickle") == (None, {})
    build(root, out, cache=cache)  # a full load then
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")


def _clean_state(root: Path, tmp_path: Path) -> Path:
    cache = tmp_path / "clean-cache"
    build(root, tmp_path / "clean-out", cache=cache)
    return cache / "state.pickle"


def test_the_parsed_documents_of_a_unit_that_is_gone_leave_the_cache(fixture_site: FixtureSite, tmp_path: Path) -> None:
    """A team's parsed documents stay in the cache while the team has files; once its folder
    is gone, so is its file in the cache (looked for only when the units changed)."""
    root, out, cache = fixture_site.root, tmp_path / "out", tmp_path / "cache"
    documents = BuildCache.open(cache).documents

    def files() -> set[str]:
        return {path.name for path in (cache / "documents").glob("*.pickle")}

    build(root, out, cache=cache)
    first = files()
    alice = documents._path("2026-Q4/alice").name
    assert alice in first and len(first) > 3
    CHANGES["checkin-edited"](root)
    build(root, out, cache=cache)
    assert files() == first  # the same units: the same files
    shutil.rmtree(root / "content/2026-Q4/alice")
    build(root, out, cache=cache)
    assert files() == first - {alice}


def _unit_digests(root: Path) -> dict[str, str]:
    paths = loader._unit_paths(discover(root, Diagnostics()))
    return dict(zip(paths, loader._file_digests(root, paths), strict=True))  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk", [1, 256])
def test_digests_worked_out_ahead_are_those_of_the_files(fixture_site: FixtureSite, chunk: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The digests begun before the cache is opened (DigestsAhead), by a child from the last
    file back and by the load from the first on, are every file's own; they meet without
    leaving a file out or taking one twice."""
    monkeypatch.setattr(loader.DigestsAhead, "CHUNK", chunk)
    root = fixture_site.root
    want = _unit_digests(root)
    ahead = loader.DigestsAhead(root)
    assert ahead.digests(list(want)) == want
    assert ahead.taken[0] == ahead.taken[1] or ahead.taken[1] == -1  # met (or the child never began)
    assert not ahead.process.is_alive()


def test_digests_ahead_stand_a_dead_child_and_a_folder_that_changed(fixture_site: FixtureSite) -> None:
    """The walk with digests begun ahead finds every file's digest: those a dead child did not
    send are read by the load, and so are files that came after the child walked the folder."""
    root = fixture_site.root

    def walked(ahead: loader.DigestsAhead) -> dict[str, str]:
        seen = loader._walk(root, {}, parse_all=False, jobs=2, ahead=ahead)
        return {s.file.path: s.digest for s in seen.sources if s.file.path in want}

    ahead = loader.DigestsAhead(root)
    ahead.process.kill()
    want = _unit_digests(root)
    assert walked(ahead) == want
    ahead = loader.DigestsAhead(root)
    ahead.process.join()  # it walked the folder as it was, then
    edit(root / RELIABILITY / "2026-11-13.md", "uptime: 99.81", "uptime: 99.9")
    (root / RELIABILITY / "2026-12-01.md").write_text((root / RELIABILITY / "2026-11-13.md").read_text())
    want = _unit_digests(root)
    got = walked(ahead)
    assert got.keys() == want.keys()
    # the child read the edited file before the edit: the load sees the edit next time, as if
    # it had been made during the walk (the parse checks the digest of the bytes it reads)
    assert {p for p in want if got[p] != want[p]} <= {f"{RELIABILITY}/2026-11-13.md"}


def test_a_ci_rebuild_works_out_digests_ahead_and_equals_a_clean_build(
    fixture_site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[loader.DigestsAhead] = []
    original = loader.DigestsAhead.__init__

    def recorded(self: loader.DigestsAhead, site_dir: Path) -> None:
        original(self, site_dir)
        started.append(self)

    monkeypatch.setattr(loader.DigestsAhead, "__init__", recorded)
    root, out, cache = fixture_site.root, tmp_path / "incremental", tmp_path / "cache"
    _build_jobs(root, out, cache)
    assert started == []  # no state yet: every file is parsed, no digests are worked out ahead
    CHANGES["checkin-edited"](root)
    result = _build_jobs(root, out, cache)
    assert len(started) == 1 and not started[0].process.is_alive()
    assert started[0].taken[1] != -1  # the child took files from the back
    assert 0 < result.rendered < result.pages
    build(root, tmp_path / "clean", clean=True)
    assert_same_tree(out, tmp_path / "clean")
    _build_jobs(root, out, cache, jobs=1)
    assert len(started) == 1  # not with one job

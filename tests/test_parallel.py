"""Parallel rendering and the export fragments kept across builds.

The demo company is built with the parallel threshold lowered, so its pages are shared by this
process and forked children; the output must equal a one-process build byte for byte. The
encoded export of each cycle is a file of its own in the cache, reused while its cycle is
unchanged.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import signal
import time
from pathlib import Path

import pytest

from okrsite import build as build_module
from okrsite.build import BuildOptions, build_site
from okrsite.cache import PageFragmentFiles, _stored_part
from okrsite.check import check_site
from okrsite.content import loader
from okrsite.render import publishing
from okrsite.render.markdown import Markdown

from .test_incremental import assert_same_tree, edit

REPO = Path(__file__).resolve().parent.parent
DEMO_CHECKIN = "content/2026-Q4/platform/checkins/2026-11-20.md"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "site.toml", root / "site.toml")
    return root


def build(root: Path, out: Path, jobs: int, **options: object) -> build_module.BuildResult:
    return build_site(root, BuildOptions(out_dir=out, jobs=jobs, search=False, **options))  # type: ignore[arg-type]


def assert_like_one_process(demo: Path, built: Path, tmp_path: Path) -> None:
    """`built` is what a clean build of the demo in one process gives."""
    build(demo, tmp_path / "one", 1, use_cache=False)
    assert_same_tree(built, tmp_path / "one")


def test_pages_shared_by_processes_equal_a_one_process_build(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(build_module, "CHUNK", 7)  # many chunks, taken by both processes
    kept: list[int] = []  # Markdown blocks rendered by a forked process before the pages
    keep = Markdown.keep
    monkeypatch.setattr(Markdown, "keep", lambda self, texts, made: (kept.append(len(made)), keep(self, texts, made)))
    seen: list[tuple[int, int]] = []
    parallel = build_site(demo, BuildOptions(out_dir=tmp_path / "two", jobs=2, search=False, use_cache=False),
                          progress=lambda done, total: seen.append((done, total)))
    single = build(demo, tmp_path / "one", 1, use_cache=False)
    assert parallel.pages == single.pages > 10 * 7
    assert parallel.rendered == parallel.pages
    assert_same_tree(tmp_path / "two", tmp_path / "one")
    assert len(kept) == 1 and kept[0] > 10  # the one-process build renders them as it goes
    assert seen and seen[-1] == (parallel.pages, parallel.pages)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


@pytest.fixture
def built(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo built in parallel into tmp_path/out (with its cache), parallel from 10 pages."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    out = tmp_path / "out"
    build(demo, out, 2)
    return out


def test_a_failure_in_a_forked_process_fails_the_build_and_keeps_the_site(
    demo: Path, built: Path, tmp_path: Path,
) -> None:
    out = built
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # A site template that fails on one objective page only: whichever process renders it.
    template = demo / "themes/default/templates/objective.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% extends "@default/objective.html" %}\n'
        '{% block title %}{% if "peak-capacity" in page.url %}{{ page.missing.attribute }}{% endif %}'
        '{{ super() }}{% endblock %}\n', encoding="utf-8")
    with pytest.raises(Exception, match="missing"):
        build(demo, out, 2)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def fragment_files(root: Path) -> dict[str, tuple[str, int]]:
    """Export fragments kept in the cache: file → (what it holds, its mtime). An encoded part
    is kept as its bytes behind a header line, anything else pickled."""
    folder = root / ".okrsite-cache" / "fragments"
    return {p.name: ("Part" if p.suffix == ".part" and p.read_bytes().startswith(b"okrsite-part ")
                     else type(pickle.loads(p.read_bytes())).__name__, p.stat().st_mtime_ns)
            for p in folder.iterdir()}


def test_each_cycle_export_is_kept_and_reused_while_its_cycle_is_unchanged(
    demo: Path, built: Path, tmp_path: Path,
) -> None:
    """A cycle's encoded export is kept while its units are unchanged; a cycle that has not
    ended keeps it per unit instead (a unit's objectives and check-ins), so an edit encodes
    and stores one unit again and joins the cycle's export anew."""
    out = built
    cycles = sorted(p.parent.name for p in out.glob("*/okrs.json"))
    first = fragment_files(demo)
    kinds = [kind for kind, _ in first.values()]
    ended = kinds.count("Part") // 3  # an ended cycle's: objectives, check-ins, CSV
    assert kinds.count("Part") == 3 * ended and 0 < ended < len(cycles) >= 4
    running = [c for c in cycles if not (out / c / "okrs.json").read_text().count('"phase":"ended"')]
    assert len(running) == len(cycles) - ended
    units = {f"{c}/{o.name}" for c in running for o in (demo / "content" / c).iterdir() if o.is_dir()}
    assert kinds.count("UnitExport") == len(units) > 1  # each unit of a running cycle: its share

    build(demo, out, 2)  # nothing changed: no export rendered, every fragment kept
    assert fragment_files(demo) == first

    edit(demo / DEMO_CHECKIN, "cost-per-shipment#commitments: 70", "cost-per-shipment#commitments: 71")
    build(demo, out, 1)
    after = fragment_files(demo)
    assert len(after) == len(first)
    made = sorted(kind for name, (kind, _) in after.items() if name not in first)
    rewritten = sorted(kind for name, (kind, when) in after.items() if name in first and first[name][1] != when)
    assert made == ["UnitExport"] and rewritten == []  # the edited unit's share, stored anew; no other
    assert sum(1 for name in after if name in first and after[name] == first[name]) == len(first) - 1

    clean = tmp_path / "clean"
    build(demo, clean, 1, use_cache=False)
    for name in ["okrs.json", "okrs.csv", *(f"{c}/okrs.json" for c in cycles), *(f"{c}/okrs.csv" for c in cycles)]:
        assert (out / name).read_bytes() == (clean / name).read_bytes(), name


def test_a_cold_load_parses_half_its_files_in_a_forked_process(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With enough files to parse, a forked process parses the second half and sends their
    documents back: the site built, and the documents cached for the next build, are those of
    a load in one process."""
    monkeypatch.setattr(loader, "PARSE_APART", 10)
    parse_file = loader.parse_file
    here: list[str] = []  # files parsed in this process (the child's list is its own)
    monkeypatch.setattr(loader, "parse_file", lambda file, raw: (here.append(file.path), parse_file(file, raw))[1])
    build(demo, tmp_path / "two", 2)
    two = set(here)
    here.clear()
    build(demo, tmp_path / "one", 1, use_cache=False)  # one process: it parses every file
    assert_same_tree(tmp_path / "two", tmp_path / "one")
    one = set(here)
    assert two < one and len(one) > 100 and 0.3 < len(two) / len(one) < 0.7

    here.clear()  # the cache holds every document, the child's too: nothing is parsed again
    edit(demo / DEMO_CHECKIN, "cost-per-shipment#commitments: 70", "cost-per-shipment#commitments: 71")
    build(demo, tmp_path / "two", 2)
    assert here == [DEMO_CHECKIN]
    build(demo, tmp_path / "clean", 1, use_cache=False)
    assert_same_tree(tmp_path / "two", tmp_path / "clean")


def test_a_load_whose_parsing_process_dies_parses_those_files_itself(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loader, "PARSE_APART", 10)
    monkeypatch.setattr(loader, "_send_result", lambda work, args, send: os._exit(3))
    build(demo, tmp_path / "two", 2, use_cache=False)
    assert_like_one_process(demo, tmp_path / "two", tmp_path)


def test_a_load_after_a_build_reads_half_its_files_in_a_forked_process_and_finds_the_same(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A load with the last build's state only needs the digests of the units' files: with
    enough of them, a forked process reads the second half. It finds what one process finds;
    if the child dies, this process reads its files."""
    monkeypatch.setattr(loader, "READ_APART", 10)
    log = tmp_path / "read.log"  # appended to by both processes
    read = loader._read

    def logged(site_dir: Path, path: str, problems: object) -> bytes | None:
        with log.open("a") as file:
            file.write(f"{os.getpid()} {path}\n")
        return read(site_dir, path, problems)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_read", logged)
    two = loader._walk(demo, {}, parse_all=False, jobs=2)
    readers = {line.split()[0] for line in log.read_text().splitlines()}
    monkeypatch.setattr(loader, "READ_APART", 10**9)
    one = loader._walk(demo, {}, parse_all=False, jobs=2)
    assert loader._walk(demo, {}, parse_all=False, jobs=1) == one
    assert len(readers) == 2 and len(two.sources) > 100
    assert two.sources == one.sources and two.problems == one.problems
    monkeypatch.setattr(loader, "READ_APART", 10)
    monkeypatch.setattr(loader, "_send_result", lambda work, args, send: os._exit(3))
    died = loader._walk(demo, {}, parse_all=False, jobs=2)
    assert died.sources == one.sources and died.problems == one.problems


def test_kept_parts_are_copied_into_the_exports_and_a_part_cut_short_is_made_again(
    demo: Path, built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After an edit in the running cycle, the site's exports are written again with the
    ended cycles' parts copied from the cache, and equal a clean build's; a part cut short
    (a cache restored in part) is not used but encoded again."""
    out, clean = built, tmp_path / "clean"
    copied: list[str] = []
    copy_part = build_module._copy_part
    monkeypatch.setattr(build_module, "_copy_part", lambda part, file: (copied.append(part.path), copy_part(part, file)))
    parts = sorted((demo / ".okrsite-cache" / "fragments").glob("*.part"), key=lambda p: p.stat().st_size)
    assert parts

    edit(demo / DEMO_CHECKIN, "cost-per-shipment#commitments: 70", "cost-per-shipment#commitments: 71")
    build(demo, out, 1)
    assert sorted(set(copied)) == sorted(str(p) for p in parts)  # each, into okrs.json or okrs.csv
    build(demo, clean, 1, use_cache=False)
    assert_same_tree(out, clean)

    biggest = parts[-1]
    biggest.write_bytes(biggest.read_bytes()[:-10])
    copied.clear()
    edit(demo / DEMO_CHECKIN, "cost-per-shipment#commitments: 71", "cost-per-shipment#commitments: 72")
    build(demo, out, 1)
    assert str(biggest) not in copied and copied
    shutil.rmtree(clean)
    build(demo, clean, 1, use_cache=False)
    assert_same_tree(out, clean)
    assert _stored_part(biggest) is not None  # kept whole again


def test_the_kept_parts_of_a_page_that_is_gone_go_with_it(demo: Path, tmp_path: Path) -> None:
    """A tag page's `{% cache %}` parts are kept in the cache while the page exists; when no
    objective has the tag any more, they go. A build with the same pages keeps every file."""
    out = tmp_path / "out"
    build(demo, out, 1)
    folder = demo / ".okrsite-cache" / "page-fragments"
    board = PageFragmentFiles(folder)._path("page:tags/board/index.html")
    assert (out / "tags/board/index.html").is_file() and board.is_file()
    kept = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    edit(demo / DEMO_CHECKIN, "cost-per-shipment#commitments: 70", "cost-per-shipment#commitments: 71")
    build(demo, out, 1)
    assert {p.name for p in folder.iterdir()} == set(kept)
    for path in (demo / "content").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        if ", board]" in text:
            path.write_text(text.replace(", board]", "]"), encoding="utf-8")
    build(demo, out, 1)
    assert not (out / "tags/board").exists() and not board.exists()
    assert {p.name for p in folder.iterdir()} == set(kept) - {board.name}


def test_children_that_finish_first_are_waited_for_once(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parent is slow (its first chunk waits), so the child renders the rest and sends its
    end while the parent is still rendering: the build must still end, with every page."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    parent, render_chunk = os.getpid(), build_module._render_chunk

    def slow_in_parent(*args: object, **kwargs: bool) -> list[build_module.Outcome]:
        if os.getpid() == parent:
            time.sleep(1.0)
        return render_chunk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "_render_chunk", slow_in_parent)
    result = build(demo, tmp_path / "out", 2, use_cache=False)
    assert result.rendered == result.pages
    monkeypatch.setattr(build_module, "_render_chunk", render_chunk)
    assert_like_one_process(demo, tmp_path / "out", tmp_path)


def test_one_process_renders_every_export_and_encodes_each_cycle_once(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The exports (the site's and each cycle's) share each cycle's encoded parts: split over
    processes, each would join the running cycle's again and encode an ended cycle twice."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(build_module, "CHUNK", 3)
    log = tmp_path / "log"  # appended to by every process
    render_chunk, joined = build_module._render_chunk, publishing._joined

    def logged_chunk(plan: build_module.Plan, *args: object, **kwargs: bool) -> list[build_module.Outcome]:
        done = render_chunk(plan, *args, **kwargs)  # type: ignore[arg-type]
        with log.open("a") as file:
            file.writelines(f"page {os.getpid()} {o.output}\n" for o in done)
        return done

    def logged_join(builder: object, cycle_id: str, pieces: object) -> object:
        with log.open("a") as file:
            file.write(f"join {os.getpid()} {cycle_id}\n")
        return joined(builder, cycle_id, pieces)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "_render_chunk", logged_chunk)
    monkeypatch.setattr(publishing, "_joined", logged_join)
    build(demo, tmp_path / "out", 2, use_cache=False)
    lines = [line.split() for line in log.read_text().splitlines()]
    pages = {output: pid for kind, pid, output in lines if kind == "page"}
    exports = {output for output in pages if output.endswith(("okrs.json", "okrs.csv"))}
    cycles = [cycle for kind, _, cycle in lines if kind == "join"]
    assert len(exports) == 2 + 2 * len({o.split("/")[0] for o in exports if "/" in o}) >= 6
    assert len({pages[o] for o in exports}) == 1  # one process rendered them all
    assert len(set(pages.values())) == 2  # and pages were shared
    assert sorted(cycles) == sorted(set(cycles)) and len(cycles) == (len(exports) - 2) // 2
    monkeypatch.setattr(build_module, "_render_chunk", render_chunk)
    monkeypatch.setattr(publishing, "_joined", joined)
    assert_like_one_process(demo, tmp_path / "out", tmp_path)


def test_a_render_process_killed_fails_the_build_instead_of_hanging(
    demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    parent, render_chunk = os.getpid(), build_module._render_chunk

    def killed_in_child(*args: object, **kwargs: bool) -> list[build_module.Outcome]:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.5)  # so the child takes a chunk
        return render_chunk(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "_render_chunk", killed_in_child)
    with pytest.raises(RuntimeError, match="render process stopped unexpectedly"):
        build(demo, tmp_path / "out", 2, use_cache=False)
    assert not (tmp_path / "out").exists()


def test_pages_leave_no_reference_cycles(demo: Path, tmp_path: Path) -> None:
    """A rendered page's views are freed by reference counting as soon as it is written: no
    reference cycle keeps them until the cycle collector runs (the theme imports its macros
    without the page's context). Only the page kinds a site has a handful of may define
    macros of their own, which are cycles."""
    checked = check_site(demo)
    plan = build_module._plan(demo, checked, BuildOptions(out_dir=tmp_path / "out"))
    pages = [page for page in plan.pages if page.template]
    for page in pages:  # once first: what is made once (memos, the model's lazy parts) is made
        plan.renderer.render(page, page.variables(plan.builder))
    cyclic: dict[str, int] = {}
    gc.collect()
    try:
        for page in pages:
            gc.set_debug(gc.DEBUG_SAVEALL)
            plan.renderer.render(page, page.variables(plan.builder))
            gc.collect()
            if gc.garbage:
                cyclic[page.kind] = cyclic.get(page.kind, 0) + len(gc.garbage)
            gc.set_debug(0)
            gc.garbage.clear()
            gc.collect()  # frees what was kept for counting
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    kinds = {page.kind for page in pages}
    assert {"objective", "owner", "owner-cycle", "feed", "tag", "cycle", "home"} <= kinds
    assert set(cyclic) <= {"cascade", "insights"}, cyclic


def test_a_build_collects_young_objects_only_and_gives_the_collector_back(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a build plans and renders, the cycle collector runs at the build's thresholds (a
    full collection would scan the plan's objects again and again); once it ends, whether it
    built or failed, the thresholds are those it found."""
    seen: list[tuple[int, ...]] = []
    plan_pages = build_module.plan_pages

    def planning(*args: object) -> object:
        seen.append(gc.get_threshold())
        return plan_pages(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "plan_pages", planning)
    before = gc.get_threshold()
    build(demo, tmp_path / "out", 1, use_cache=False)
    assert seen == [loader.BUILD_COLLECTION_THRESHOLDS]
    assert gc.get_threshold() == before
    (demo / "content/2026-Q4/platform/broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    with pytest.raises(build_module.BuildError):
        build(demo, tmp_path / "out", 1, use_cache=False)
    assert gc.get_threshold() == before


def test_chunks_are_written_in_order_through_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large export part is written from its chunks, a thousand per system call; a call that
    writes only part of them (as writev may) is finished chunk by chunk, in order."""
    chunks = [bytes([65 + i % 26]) * (1 + i % 7) for i in range(2500)]
    calls: list[int] = []
    writev = os.writev

    def short(fd: int, buffers: list[bytes]) -> int:
        calls.append(len(buffers))
        half = len(buffers) // 2  # half the buffers and one byte of the next: a short write
        return writev(fd, [*buffers[:half], buffers[half][:1]])

    for patched in (None, short):
        if patched is not None:
            monkeypatch.setattr(build_module.os, "writev", patched)
        target = tmp_path / f"out-{len(calls)}"
        with open(target, "wb", buffering=0) as file:
            build_module._write_chunks(file, chunks)
        assert target.read_bytes() == b"".join(chunks)
    assert calls == [1024, 1024, 452]


def test_markdown_begun_during_the_load_is_shared_by_both_ends_and_builds_the_same_site(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build forks a process before the load (while this one is small), to which the
    load gives the Markdown blocks once it has parsed them; it renders them from the last one
    back while the load resolves the model, and the build takes the rest from the first on.
    Each block is rendered once, by one of the two, and the site equals a one-process build's."""
    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(build_module.MarkdownAhead, "FROM", 10)
    monkeypatch.setattr(build_module.MarkdownAhead, "CHUNK", 4)
    parent, work = os.getpid(), build_module.MarkdownAhead.work
    log = tmp_path / "blocks.log"  # appended to by both processes

    def logged(self: build_module.MarkdownAhead, items: list[str]) -> list[tuple[str, int | None]]:
        if os.getpid() != parent:
            time.sleep(0.1)  # slow, so that the build finds blocks left to take
        with log.open("a") as file:
            file.writelines(f"{os.getpid()} {self.texts.index(text)}\n" for text in items)
        return work(self, items)

    monkeypatch.setattr(build_module.MarkdownAhead, "work", logged)
    events: list[str] = []
    begin, check = build_module.MarkdownAhead.begin.__func__, build_module.check_site  # type: ignore[attr-defined]
    monkeypatch.setattr(build_module.MarkdownAhead, "begin",
                        classmethod(lambda cls, jobs: (events.append("fork"), begin(cls, jobs))[1]))
    monkeypatch.setattr(build_module, "check_site", lambda *a, **k: (events.append("load"), check(*a, **k))[1])
    kept: list[int] = []
    keep = Markdown.keep
    monkeypatch.setattr(Markdown, "keep", lambda self, texts, made: (kept.append(len(made)), keep(self, texts, made)))
    build(demo, tmp_path / "two", 2, use_cache=False)
    lines = [line.split() for line in log.read_text().splitlines()]
    by = {int(index): pid for pid, index in lines}
    assert len(by) == len(lines) == kept[0] > 40  # every block once, all kept for the pages
    assert sorted(by) == list(range(len(by)))
    assert {pid for _, pid in by.items()} == {str(parent), next(pid for pid, _ in lines if pid != str(parent))}
    mine = sorted(i for i, pid in by.items() if pid == str(parent))
    assert mine and mine == list(range(len(mine)))  # the build's, from the front; the child's, the rest
    assert events == ["fork", "load"]
    assert_like_one_process(demo, tmp_path / "two", tmp_path)


def test_markdown_ahead_whose_process_dies_or_whose_build_fails_leaves_no_process(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the process rendering Markdown ahead dies, the pages render those blocks themselves;
    if the build fails (a file with an error), the process is stopped, not left running."""
    import multiprocessing

    monkeypatch.setattr(build_module, "PARALLEL_FROM", 10)
    monkeypatch.setattr(build_module.MarkdownAhead, "FROM", 10)
    parent, work = os.getpid(), build_module.MarkdownAhead.work
    started: list[build_module.MarkdownAhead] = []
    begin = build_module.MarkdownAhead.begin.__func__  # type: ignore[attr-defined]

    def recorded(cls: type, *args: object) -> object:
        ahead = begin(cls, *args)
        started.extend([ahead] if ahead is not None else [])  # (none in a one-process build)
        return ahead

    def dies(self: build_module.MarkdownAhead, items: list[str]) -> list[tuple[str, int | None]]:
        if os.getpid() != parent:
            os._exit(3)
        return work(self, items)

    monkeypatch.setattr(build_module.MarkdownAhead, "begin", classmethod(recorded))
    monkeypatch.setattr(build_module.MarkdownAhead, "work", dies)
    build(demo, tmp_path / "two", 2, use_cache=False)
    assert len(started) == 1 and started[0].process.exitcode == 3
    assert_like_one_process(demo, tmp_path / "two", tmp_path)

    monkeypatch.setattr(build_module.MarkdownAhead, "work", lambda self, items: (time.sleep(60), work(self, items))[1])
    (demo / "content/2026-Q4/platform/broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    with pytest.raises(build_module.BuildError):
        build(demo, tmp_path / "three", 2, use_cache=False)
    assert len(started) == 2 and started[1].process.exitcode is not None
    assert multiprocessing.active_children() == []

"""The benchmark generators: deterministic, sized as documented, and internally consistent."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_module(name: str) -> ModuleType:
    """Import benchmarks/NAME.py under a private name (benchmarks/ is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, BENCHMARKS / f"{name.removeprefix('bench_')}.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = load_module("bench_generate")
hugo_site = load_module("bench_hugo_site")


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "site"
    generate.generate_site(out, teams=8, cycles=2, seed=3)
    return out


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    end = text.index("\n---\n", 3)
    return yaml.load(text[4:end], Loader=Loader), text[end + 5 :]


class SiteIndex:
    """Every objective, KR and check-in of a generated site, read back from its files."""

    def __init__(self, site: Path):
        self.site = site
        self.config = tomllib.loads((site / "site.toml").read_text(encoding="utf-8"))
        self.today = dt.date.fromisoformat(self.config["today"])
        org = yaml.load((site / "content" / "org.yaml").read_text(encoding="utf-8"), Loader=Loader)
        self.teams, self.people = org["teams"], org["people"]
        self.objectives: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.bodies: dict[tuple[str, str, str], str] = {}
        self.checkins: list[tuple[str, str, Path, dict[str, Any]]] = []
        self.cycles = sorted(p.name for p in (site / "content").iterdir() if p.is_dir())
        for cycle in self.cycles:
            for path in sorted((site / "content" / cycle).glob("*/*.md")):
                meta, body = front_matter(path)
                key = (cycle, path.parent.name, path.stem)
                self.objectives[key], self.bodies[key] = meta, body
            for path in sorted((site / "content" / cycle).glob("*/checkins/*.md")):
                self.checkins.append((cycle, path.parent.parent.name, path, front_matter(path)[0]))

    def kr_ids(self, key: tuple[str, str, str]) -> list[str]:
        return [kr["id"] for kr in self.objectives[key]["key_results"]]

    def resolve(self, ref: str, cycle: str, owner: str) -> tuple[tuple[str, str, str], str | None]:
        """(objective key, KR id or None) of a reference made by a file of `owner` in `cycle`."""
        path, _, kr = ref.partition("#")
        parts = path.split("/")
        key = {1: (cycle, owner, *parts), 2: (cycle, *parts), 3: tuple(parts)}[len(parts)]
        assert key in self.objectives, f"{ref!r} from {cycle}/{owner}: no such objective"
        if kr:
            assert kr in self.kr_ids(key), f"{ref!r} from {cycle}/{owner}: no such KR"
        return key, kr or None


def quarter_dates(cycle: str) -> tuple[dt.date, dt.date]:
    year, q = int(cycle[:4]), int(cycle[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + q // 4, 3 * q % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def test_two_runs_give_byte_identical_trees(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    generate.generate_site(a, teams=5, cycles=2, seed=7)
    generate.generate_site(b, teams=5, cycles=2, seed=7)
    assert tree(a) == tree(b)
    generate.generate_site(b, teams=5, cycles=2, seed=8)
    assert tree(a) != tree(b)


def test_counts_scale_as_documented(tmp_path: Path) -> None:
    for teams, cycles in [(10, 2), (40, 3)]:
        stats = generate.generate_site(tmp_path / f"{teams}", teams=teams, cycles=cycles)
        owners = teams + generate.department_count(teams) + 1
        assert stats.departments == generate.department_count(teams)
        assert 0.8 <= stats.objectives / (owners * cycles * 4) <= 1.2
        assert 3 <= stats.key_results / stats.objectives <= 4
        weeks = 13 * (cycles - 1) + 9  # the running cycle is 62 days in
        assert 0.85 <= stats.checkins / (owners * weeks) <= 1.05
        index = SiteIndex(tmp_path / f"{teams}")
        assert len(index.objectives) == stats.objectives
        assert len(index.checkins) == stats.checkins
        assert sum(len(o["key_results"]) for o in index.objectives.values()) == stats.key_results


def test_exact_objective_and_checkin_counts(tmp_path: Path) -> None:
    teams = generate.teams_for_objectives(300, 3)
    stats = generate.generate_site(tmp_path / "s", teams, 3, objectives=300, checkins=1234)
    index = SiteIndex(tmp_path / "s")
    assert (stats.objectives, stats.checkins) == (300, 1234)
    assert (len(index.objectives), len(index.checkins)) == (300, 1234)


def test_cli_writes_a_site(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "generate.py"),
            str(tmp_path / "cli"),
            "--teams",
            "3",
            "--cycles",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "objectives" in done.stdout
    assert (tmp_path / "cli" / "content" / "2025-Q1").is_dir()


def test_refuses_to_empty_a_folder_that_is_not_a_site(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ValueError):
        generate.generate_site(tmp_path, teams=2, cycles=1)
    assert (tmp_path / "keep.txt").exists()


def test_every_reference_resolves(small_site: Path) -> None:
    index = SiteIndex(small_site)
    owners = set(index.teams) | set(index.people)
    kinds = {"parent_objective": 0, "parent_kr": 0, "linked": 0}
    for (cycle, owner, slug), meta in index.objectives.items():
        assert owner in owners
        ids = index.kr_ids((cycle, owner, slug))
        assert len(ids) == len(set(ids)) and all(ids)
        if "parent" in meta:
            _, kr = index.resolve(meta["parent"], cycle, owner)
            kinds["parent_kr" if kr else "parent_objective"] += 1
        for kr in meta["key_results"]:
            if "objective" in kr:
                index.resolve(kr["objective"], cycle, owner)
                kinds["linked"] += 1
            if "owner" in kr:
                assert kr["owner"] in index.people
    assert all(kinds.values()), kinds
    for cycle, owner, path, meta in index.checkins:
        assert meta["author"] in index.people and index.people[meta["author"]]["team"] == owner
        for key in meta["updates"]:
            index.resolve(key, cycle, owner)


def test_checkins_update_every_kr_of_their_owner(small_site: Path) -> None:
    index = SiteIndex(small_site)
    for cycle, owner, path, meta in index.checkins:
        expected = {
            f"{slug}#{kr['id']}"
            for (c, o, slug), obj in index.objectives.items()
            if (c, o) == (cycle, owner)
            for kr in obj["key_results"]
            if "objective" not in kr
        }
        assert set(meta["updates"]) == expected, path


def test_checkins_are_dated_inside_their_cycle(small_site: Path) -> None:
    index = SiteIndex(small_site)
    last_start, last_end = quarter_dates(index.cycles[-1])
    assert last_start <= index.today <= last_end
    for cycle, _, path, meta in index.checkins:
        start, end = quarter_dates(cycle)
        assert start <= meta["date"] <= min(end, index.today), path
        assert path.name == f"{meta['date'].isoformat()}.md"
        conf = meta["confidence"]
        assert conf in ("low", "medium", "high") or 0 <= conf <= 1 or conf in range(1, 11)


def test_ended_cycles_are_graded_and_the_running_one_is_not(small_site: Path) -> None:
    index = SiteIndex(small_site)
    for (cycle, _, _), meta in index.objectives.items():
        assert ("score" in meta) == (cycle != index.cycles[-1])
        assert 40 <= len(meta["title"]) <= 200


def test_hugo_site_has_one_page_per_objective_with_its_body(
    small_site: Path, tmp_path: Path
) -> None:
    stats = hugo_site.write_hugo_site(small_site, tmp_path / "hugo")
    index = SiteIndex(small_site)
    content = tmp_path / "hugo" / "content"
    pages = sorted(p for p in content.rglob("*.md") if p.name != "_index.md")
    assert stats.pages == len(pages) == len(index.objectives)
    for (cycle, owner, slug), body in index.bodies.items():
        page = (content / cycle / owner / f"{slug}.md").read_text(encoding="utf-8")
        assert body.strip() in page
        assert "| Key result | Start | Target | Current |" in page
    for layout in ("baseof", "single", "list"):
        assert (tmp_path / "hugo" / "layouts" / "_default" / f"{layout}.html").exists()


def test_hugo_page_lists_checkin_notes_in_date_order(small_site: Path, tmp_path: Path) -> None:
    hugo_site.write_hugo_site(small_site, tmp_path / "hugo")
    index = SiteIndex(small_site)
    cycle, owner, slug = next(iter(index.objectives))
    page = (tmp_path / "hugo" / "content" / cycle / owner / f"{slug}.md").read_text(
        encoding="utf-8"
    )
    dates = [line.split(" · ")[0][4:] for line in page.splitlines() if line.startswith("### ")]
    assert dates and dates == sorted(dates)


@pytest.mark.skipif(
    shutil.which("hugo") is None, reason="hugo not installed (apt-get install -y hugo)"
)
def test_hugo_builds_the_written_site(small_site: Path, tmp_path: Path) -> None:
    hugo_site.write_hugo_site(small_site, tmp_path / "hugo")
    subprocess.run(
        ["hugo", "--quiet", "-s", str(tmp_path / "hugo"), "-d", str(tmp_path / "out")],
        check=True,
        timeout=120,
    )
    cycle, owner, slug = next(iter(SiteIndex(small_site).objectives))
    assert (tmp_path / "out" / cycle / owner / slug / "index.html").exists()


def okrsite_errors(site: Path) -> list[str]:
    """Error diagnostics of okrsite's checker, or skip while okrsite cannot check yet."""
    try:
        from okrsite.check import check_site
    except ImportError:
        if not shutil.which("okrsite"):
            pytest.skip("okrsite's checker is not there yet (okrsite.check / okrsite check)")
        done = subprocess.run(
            ["okrsite", "check", str(site)], check=False, capture_output=True, text=True
        )
        return [] if done.returncode == 0 else [done.stdout + done.stderr]
    return [d.as_text() for d in check_site(site).errors]


def test_generated_site_passes_okrsite_check(tmp_path: Path) -> None:
    generate.generate_site(tmp_path / "site", teams=6, cycles=2)
    assert okrsite_errors(tmp_path / "site") == []


def test_run_measured_reads_its_input_first_and_measures_the_command(tmp_path: Path) -> None:
    measure = load_module("bench_measure")
    folder = tmp_path / "input"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "f.txt").write_text("x" * 5000)
    read: list[Path] = []
    original = measure.read_all
    measure.read_all = lambda path: (read.append(path), original(path))[1]
    try:
        ok = measure.run_measured([sys.executable, "-c", "import sys; print('done'); print('t 1 ms', file=sys.stderr)"],
                                  warm=[folder])
        failing = measure.run_measured([sys.executable, "-c", "import sys; sys.exit(3)"])
    finally:
        measure.read_all = original
    assert read == [folder]
    assert ok.ok and ok.returncode == 0 and ok.wall_s > 0 and ok.max_rss_mb > 1
    assert ok.stdout == "done" and ok.stderr == "t 1 ms"  # okrsite's --timings go to stderr
    assert not failing.ok and failing.returncode == 3 and "exit code 3" in failing.error


def test_memory_sampler_keeps_to_its_share_of_a_core() -> None:
    """Where one sample of the tree's memory takes long (a large process), the sampler waits
    longer between samples, so it takes little of the machine from the command it measures."""
    measure = load_module("bench_measure")
    counts = {}
    for cost in (0.0, 0.02):  # seconds one sample takes
        sampler = measure.TreeSampler(os.getpid())
        if not sampler.works:
            pytest.skip("no /proc here")
        # a sample that takes `cost` (not the real one: how long that takes depends on this
        # process's size); the sampler's timing of it is what is tested
        sampler.tree_rss = lambda cost=cost: (time.sleep(cost), 1 << 20)[1]
        sampler.start()
        time.sleep(1.5)
        sampler.stopped.set()
        sampler.join()
        assert sampler.peak_bytes > 0
        counts[cost] = sampler.samples
    # every 100 ms when a sample is quick; every 20 ms / 5% = 400 ms when it takes 20 ms
    assert counts[0.0] >= 8
    assert 2 <= counts[0.02] <= 5


def test_the_steps_that_hold_a_whole_site_run_in_a_process_of_their_own(tmp_path: Path) -> None:
    """The generator and the Hugo writer run apart: their memory never stays in the process that
    forks every measured command."""
    run = load_module("bench_run")
    assert run.apart(os.getpid) != os.getpid()
    stats = run.apart(load_module("bench_generate").generate_site, tmp_path / "site", 2, 1, 1)
    assert stats.objectives > 0 and (tmp_path / "site" / "site.toml").is_file()

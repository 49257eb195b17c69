#!/usr/bin/env python3
"""Benchmark okrsite against Hugo on the same generated company, size by size, in one run.

For each size: generate the okrsite site (benchmarks/generate.py) and the Hugo site with the
same text (benchmarks/hugo_site.py), then measure
  okrsite cold build        `okrsite build SITE --out OUT --quiet`, SITE/.okrsite-cache deleted
  okrsite no-change rebuild the same command again, cache and output kept
  okrsite CI rebuild        a fresh copy of SITE (new mtimes, like a CI checkout) with the
                            .okrsite-cache/ of the cold build restored into it, one check-in
                            value edited, built into a copy of the cold build's output
  Hugo cold build           `hugo --quiet -s HUGOSITE -d OUT`
and print a Markdown table (rows: figures, columns: sizes) with the okrsite/Hugo ratios.
Each command's peak memory is its own (os.wait4 on its pid; see benchmarks/measure.py).
A step that fails is reported with its error; the run goes on.

Usage:
  python benchmarks/run.py [--sizes small,medium,large] [--json results.json]
                           [--workdir /tmp/okrsite-bench] [--repeat 1] [--verify]
Sizes: small (50 teams, 2 cycles), medium (200, 4), large (1000, 4), load (exactly 10,000
objectives and 50,000 check-ins), or your own: `300x2` (teams x cycles), `10000o50000c`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_site, teams_for_objectives
from hugo_site import write_hugo_site
from measure import Measurement, failed, run_measured

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = ".okrsite-cache"
HUGO_INSTALL = "apt-get install -y hugo"
RSS_METHOD = (
    "os.wait4() on each command's own pid: ru_maxrss of that process (and the descendants it "
    "waited for), the figure GNU time -f %M prints; tree_peak_mb: sampled sum of PSS over its process tree"
)


@dataclass(frozen=True)
class Size:
    name: str
    teams: int
    cycles: int
    objectives: int | None = None
    checkins: int | None = None


PRESETS = {
    "small": Size("small", 50, 2),
    "medium": Size("medium", 200, 4),
    "large": Size("large", 1000, 4),
    "load": Size("load", teams_for_objectives(10_000, 4), 4, 10_000, 50_000),
}


def parse_size(text: str) -> Size:
    """A preset name, `TEAMSxCYCLES` or `NoMc` (N objectives, M check-ins, 4 cycles)."""
    if text in PRESETS:
        return PRESETS[text]
    if m := re.fullmatch(r"(\d+)x(\d+)", text):
        return Size(text, int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d+)o(\d+)c", text):
        return Size(text, teams_for_objectives(int(m[1]), 4), 4, int(m[1]), int(m[2]))
    raise argparse.ArgumentTypeError(
        f"unknown size {text!r}: use {', '.join(PRESETS)}, TEAMSxCYCLES (300x2) or NoMc (10000o50000c)"
    )


# ---------------------------------------------------------------------------------------
# Tools


def apart(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work(*args, **kwargs)` run in a child process (forked where the system can), its result
    sent back. The generator and the Hugo writer hold a whole site in memory; run here, they left
    this process at 600 MB on the large site, and every command measured after it was slower
    (a large CI rebuild took 4.5 s instead of 3.3 s) and started with that memory in its
    ru_maxrss: Linux counts the RSS of the forked image a command is exec'd from."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(1) as pool:
        return pool.apply(work, args, kwargs)


def okrsite_command(given: str | None) -> tuple[list[str] | None, dict[str, str]]:
    """The command that runs the okrsite CLI here, and the environment it needs."""
    env = dict(os.environ)
    if given:
        return shlex.split(given), env
    if exe := shutil.which("okrsite"):
        return [exe], env
    if (REPO / "okrsite" / "cli.py").exists():  # not installed: run it from the checkout
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        return [
            sys.executable,
            "-c",
            "import sys; from okrsite.cli import main; sys.exit(main())",
        ], env
    return None, env


def hugo_version() -> str | None:
    exe = shutil.which("hugo")
    if not exe:
        return None
    try:
        done = subprocess.run(
            [exe, "version"], check=False, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or "hugo (unknown version)"


# ---------------------------------------------------------------------------------------
# Files


def tree_size(path: Path) -> dict[str, int]:
    total = files = 0
    for root, _, names in os.walk(path):
        for name in names:
            total += os.lstat(os.path.join(root, name)).st_size
            files += 1
    return {"bytes": total, "files": files}


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def checkout_copy(site: Path, dest: Path) -> None:
    """Copy a site the way a CI checkout makes it: new files, new mtimes, no cache."""
    shutil.copytree(site, dest, copy_function=shutil.copy, ignore=shutil.ignore_patterns(CACHE_DIR))


def edit_one_checkin(site: Path) -> dict[str, str]:
    """Change one numeric KR value in the latest check-in of the running cycle's first owner."""
    content = site / "content"
    cycles = sorted(
        p for p in content.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))
    )
    pattern = re.compile(r"^(  \S+#\S+: )(-?\d+(?:\.(\d+))?)[ \t]*$", re.MULTILINE)
    for cycle in reversed(cycles):
        owners = sorted(p for p in cycle.iterdir() if (p / "checkins").is_dir())
        for path in (
            f for o in owners for f in sorted((o / "checkins").glob("*.md"), reverse=True)
        ):
            text = path.read_text(encoding="utf-8")
            if not (m := pattern.search(text)):
                continue
            decimals = len(m[3] or "")
            new = f"{float(m[2]) + 10**-decimals:.{decimals}f}"
            path.write_text(text[: m.start(2)] + new + text[m.end(2) :], encoding="utf-8")
            return {
                "file": str(path.relative_to(site)),
                "key": m[1].strip(" :"),
                "old": m[2],
                "new": new,
            }
    raise ValueError(f"no check-in with a plain numeric update under {content}")


def compare_trees(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two folders (missing on one side or other bytes)."""

    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    fa, fb = files(a), files(b)
    diff = sorted(fa ^ fb)
    diff += sorted(p for p in fa & fb if (a / p).read_bytes() != (b / p).read_bytes())
    return diff


# ---------------------------------------------------------------------------------------
# Steps


@dataclass
class Step:
    """One measured figure: ok, failed (with why) or skipped (with why)."""

    status: str
    measurement: Measurement | None = None
    runs_s: list[float] | None = None
    reason: str = ""
    extra: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status}
        if self.reason:
            data["reason"] = self.reason
        if self.measurement:
            data.update(self.measurement.to_json())
        if self.runs_s and len(self.runs_s) > 1:
            data["runs_s"] = self.runs_s
        if self.extra:
            data.update(self.extra)
        return data


def skipped(reason: str) -> Step:
    return Step("skipped", reason=reason)


def measured(run: Callable[[], Measurement], repeat: int) -> Step:
    """Run a measured command `repeat` times; keep the run with the median wall time."""
    runs = []
    for _ in range(repeat):
        m = run()
        if not m.ok:
            return Step("failed", m, reason=m.error)
        runs.append(m)
    runs.sort(key=lambda m: m.wall_s)
    return Step("ok", runs[(len(runs) - 1) // 2], [round(m.wall_s, 3) for m in runs])


class SizeBench:
    """Every step of one size, in order; each records a Step and never raises for a tool."""

    def __init__(
        self,
        size: Size,
        args: argparse.Namespace,
        okrsite: list[str] | None,
        env: dict[str, str],
        hugo: str | None,
    ):
        self.size, self.args, self.okrsite, self.env, self.hugo = size, args, okrsite, env, hugo
        self.root = args.workdir / size.name
        self.site, self.hugo_site = self.root / "site", self.root / "hugo-site"
        self.out, self.hugo_out = self.root / "okrsite-out", self.root / "hugo-out"
        self.cold_cache, self.ci = self.root / "cache-after-cold", self.root / "ci"
        self.result: dict[str, Any] = {"size": asdict(size), "steps": {}}

    def build_cmd(self, site: Path, out: Path) -> list[str]:
        # --no-search: the same work as Hugo's build (pages, no search index); the Pagefind
        # index is measured on its own (step okrsite_search), as Hugo users run it too.
        cmd = [*(self.okrsite or []), "build", str(site), "--out", str(out), "--quiet", "--no-search"]
        return cmd + (["--timings"] if self.args.timings else [])

    def okrsite_build(self, site: Path, out: Path) -> Measurement:
        return run_measured(self.build_cmd(site, out), timeout=self.args.timeout, env=self.env, warm=[site])

    def record(self, name: str, step: Step) -> Step:
        self.result["steps"][name] = step.to_json()
        label = f"{self.size.name} / {name}"
        if step.status == "ok" and step.measurement:
            m = step.measurement
            print(f"  {label}: {m.wall_s:.2f} s, {m.max_rss_mb:.0f} MiB", file=sys.stderr)
        else:
            print(f"  {label}: {step.status}: {last_line(step.reason)}", file=sys.stderr)
        return step

    def run(self) -> dict[str, Any]:
        self.root.mkdir(parents=True, exist_ok=True)
        self.generate()
        cold = self.okrsite_cold()
        self.okrsite_no_change(cold)
        self.okrsite_ci(cold)
        self.okrsite_search(cold)
        self.hugo_cold()
        if self.args.clean:
            remove(self.root)
        return self.result

    def okrsite_search(self, cold: Step) -> Step:
        """Pagefind indexing of the okrsite output, as `okrsite build` runs it when search is on."""
        if cold.status != "ok":
            return self.record("okrsite_search", skipped("no okrsite output to index"))
        index = self.root / "pagefind-index"
        remove(index)
        cmd = [sys.executable, "-m", "pagefind", "--site", str(self.out), "--output-path", str(index), "--quiet"]
        step = measured(lambda: run_measured(cmd, timeout=self.args.timeout, env=self.env, warm=[self.out]), 1)
        remove(index)
        return self.record("okrsite_search", step)

    def generate(self) -> None:
        s = self.size
        stats = apart(
            generate_site,
            self.site,
            s.teams,
            s.cycles,
            self.args.seed,
            objectives=s.objectives,
            checkins=s.checkins,
        )
        self.result["content"] = stats.__dict__
        print(
            f"  {s.name} / generate: {stats.objectives} objectives, {stats.key_results} KRs, "
            f"{stats.checkins} check-ins in {stats.seconds:.1f} s",
            file=sys.stderr,
        )
        if self.hugo:
            hugo = apart(write_hugo_site, self.site, self.hugo_site)
            self.result["hugo_site"] = hugo.__dict__

    def okrsite_cold(self) -> Step:
        if not self.okrsite:
            return self.record(
                "okrsite_cold",
                skipped("okrsite CLI not found (pip install -e . or pass --okrsite CMD)"),
            )

        def once() -> Measurement:
            remove(self.site / CACHE_DIR)
            remove(self.out)
            return self.okrsite_build(self.site, self.out)

        step = measured(once, self.args.repeat)
        if step.status == "ok":
            step.extra = {"output": tree_size(self.out)}
            remove(self.cold_cache)
            if (self.site / CACHE_DIR).is_dir():
                shutil.copytree(self.site / CACHE_DIR, self.cold_cache)  # copy2: mtimes kept
                step.extra["cache"] = tree_size(self.cold_cache)
            else:
                step.extra["cache"] = None
        return self.record("okrsite_cold", step)

    def okrsite_no_change(self, cold: Step) -> Step:
        if cold.status != "ok":
            return self.record("okrsite_no_change", skipped(f"cold build {cold.status}"))
        return self.record(
            "okrsite_no_change",
            measured(lambda: self.okrsite_build(self.site, self.out), self.args.repeat),
        )

    def okrsite_ci(self, cold: Step) -> Step:
        if cold.status != "ok":
            return self.record("okrsite_ci_edit", skipped(f"cold build {cold.status}"))
        site, out = self.ci / "site", self.ci / "out"
        edit: dict[str, str] = {}

        def once() -> Measurement:
            remove(self.ci)
            checkout_copy(self.site, site)  # like actions/checkout: every mtime is new
            if self.cold_cache.is_dir():  # like actions/cache: restored as saved
                shutil.copytree(self.cold_cache, site / CACHE_DIR)
            shutil.copytree(self.out, out)  # the previous output, e.g. a restored artifact
            edit.update(edit_one_checkin(site))
            return self.okrsite_build(site, out)

        try:
            step = measured(once, self.args.repeat)
        except (OSError, ValueError) as e:
            step = Step("failed", failed([], str(e)), reason=str(e))
        step.extra = {"edit": edit, "cache_restored": self.cold_cache.is_dir()}
        if step.status == "ok" and self.args.verify:
            step.extra["equals_clean_build"] = self.verify_incremental(site, out)
        return self.record("okrsite_ci_edit", step)

    def verify_incremental(self, site: Path, out: Path) -> str:
        """Build the edited site from scratch and compare with the incremental output."""
        clean_site, clean_out = self.ci / "clean-site", self.ci / "clean-out"
        checkout_copy(site, clean_site)
        m = self.okrsite_build(clean_site, clean_out)
        if not m.ok:
            return f"clean build failed: {m.error}"
        diff = compare_trees(out, clean_out)
        return "yes" if not diff else f"no: {len(diff)} files differ, e.g. {', '.join(diff[:5])}"

    def hugo_cold(self) -> Step:
        if self.args.no_hugo:
            return self.record("hugo_cold", skipped("--no-hugo given"))
        if not self.hugo:
            return self.record("hugo_cold", skipped(f"hugo not found; install it: {HUGO_INSTALL}"))

        def once() -> Measurement:
            remove(self.hugo_out)
            remove(self.hugo_site / "resources")
            cmd = ["hugo", "--quiet", "-s", str(self.hugo_site), "-d", str(self.hugo_out)]
            return run_measured(cmd, timeout=self.args.timeout, warm=[self.hugo_site])

        step = measured(once, self.args.repeat)
        if step.status == "ok":
            step.extra = {"output": tree_size(self.hugo_out)}
        return self.record("hugo_cold", step)


# ---------------------------------------------------------------------------------------
# Report


def ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> float | None:
    if a.get("status") != "ok" or b.get("status") != "ok" or not b.get(key):
        return None
    return round(a[key] / b[key], 2)


def add_ratios(result: dict[str, Any]) -> None:
    steps = result["steps"]
    cold, hugo = steps.get("okrsite_cold", {}), steps.get("hugo_cold", {})
    result["ratios"] = {
        "cold_wall": ratio(cold, hugo, "wall_s"),
        "cold_peak_rss": ratio(cold, hugo, "max_rss_mb"),
        "cold_tree_peak": ratio(cold, hugo, "tree_peak_mb"),
        "ci_edit_wall_vs_hugo_cold": ratio(steps.get("okrsite_ci_edit", {}), hugo, "wall_s"),
        "no_change_wall_vs_hugo_cold": ratio(steps.get("okrsite_no_change", {}), hugo, "wall_s"),
    }


def cell(step: dict[str, Any], show: Callable[[dict[str, Any]], str]) -> str:
    if not step:
        return "—"
    if step.get("status") != "ok":
        return str(step.get("status"))
    return show(step)


def seconds(step: dict[str, Any]) -> str:
    return f"{step['wall_s']:.2f} (cpu {step['cpu_s']:.1f})"


def memory(step: dict[str, Any]) -> str:
    tree = step.get("tree_peak_mb")
    extra = f" (tree {tree:.0f})" if tree and tree > step["max_rss_mb"] * 1.1 else ""
    return f"{step['max_rss_mb']:.0f}{extra}"


def output(step: dict[str, Any]) -> str:
    o = step.get("output") or {}
    return f"{o.get('bytes', 0) / 1e6:.1f} MB / {o.get('files', 0):,}" if o else "—"


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def markdown_table(results: list[dict[str, Any]]) -> str:
    def row(label: str, get: Callable[[dict[str, Any]], str]) -> str:
        return "| " + " | ".join([label, *(get(r) for r in results)]) + " |"

    def step(name: str, show: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], str]:
        return lambda r: cell(r["steps"].get(name, {}), show)

    def content(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r.get('content', {}).get(key, 0):,}"

    lines = [
        "| | " + " | ".join(r["size"]["name"] for r in results) + " |",
        "|---" * (len(results) + 1) + "|",
        row("teams × cycles", lambda r: f"{r['size']['teams']:,} × {r['size']['cycles']}"),
        row("objectives", content("objectives")),
        row("key results", content("key_results")),
        row("check-ins", content("checkins")),
        row("generate (s)", lambda r: f"{r.get('content', {}).get('seconds', 0):.1f}"),
        row("okrsite cold build (s)", step("okrsite_cold", seconds)),
        row("okrsite cold peak RSS (MiB)", step("okrsite_cold", memory)),
        row("okrsite no-change rebuild (s)", step("okrsite_no_change", seconds)),
        row("okrsite CI rebuild, 1 check-in edited (s)", step("okrsite_ci_edit", seconds)),
        row("okrsite output (MB / files)", step("okrsite_cold", output)),
        row("Pagefind search index of that output (s)", step("okrsite_search", seconds)),
        row("Hugo cold build (s)", step("hugo_cold", seconds)),
        row("Hugo peak RSS (MiB)", step("hugo_cold", memory)),
        row("Hugo output (MB / files)", step("hugo_cold", output)),
        row("cold build time okrsite/Hugo", lambda r: times(r["ratios"]["cold_wall"])),
        row("peak RSS okrsite/Hugo", lambda r: times(r["ratios"]["cold_peak_rss"])),
        row(
            "CI rebuild okrsite / Hugo cold",
            lambda r: times(r["ratios"]["ci_edit_wall_vs_hugo_cold"]),
        ),
    ]
    return "\n".join(lines)


def last_line(text: str) -> str:
    """The last non-empty line of an error: click's `Error: ...`, Python's exception line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else text


def problems(results: list[dict[str, Any]]) -> list[str]:
    """One line per failed or skipped step, leaving out steps skipped because another failed."""
    lines = []
    for r in results:
        for name, step in r["steps"].items():
            reason = step.get("reason", "")
            if step.get("status") != "ok" and not reason.startswith("cold build"):
                code = f"exit code {step['returncode']}: " if step.get("returncode") else ""
                lines.append(
                    f"- {r['size']['name']} / {name}: {step['status']}: {code}{last_line(reason)}"
                )
            if step.get("equals_clean_build") not in (None, "yes"):
                lines.append(
                    f"- {r['size']['name']} / {name}: incremental output differs from a "
                    f"clean build: {step['equals_clean_build']}"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--sizes",
        default="small,medium,large",
        type=lambda s: [parse_size(x.strip()) for x in s.split(",") if x.strip()],
    )
    ap.add_argument("--json", type=Path, help="write the results as JSON to this file")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=Path("/tmp/okrsite-bench"),
        help="where sites and outputs go (default /tmp/okrsite-bench)",
    )
    ap.add_argument(
        "--okrsite",
        help="command that runs okrsite (default: okrsite on PATH, "
        "else this checkout's okrsite.cli)",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per measured step; the median is kept"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per command")
    ap.add_argument(
        "--timings", action="store_true", help="pass --timings to okrsite, keep its output"
    )
    ap.add_argument(
        "--verify",
        action="store_true",
        help="also build the edited CI copy from scratch and check the outputs are equal",
    )
    ap.add_argument("--no-hugo", action="store_true", help="skip the Hugo columns")
    ap.add_argument("--clean", action="store_true", help="delete each size's folder when done")
    args = ap.parse_args(argv)
    args.workdir = args.workdir.resolve()
    if REPO in [args.workdir, *args.workdir.parents]:
        ap.error("--workdir must be outside the repository")

    okrsite, env = okrsite_command(args.okrsite)
    hugo = None if args.no_hugo else hugo_version()
    if not okrsite:
        print("okrsite CLI not found: the okrsite rows are skipped", file=sys.stderr)
    if not hugo and not args.no_hugo:
        print(
            f"hugo not found: install it with `{HUGO_INSTALL}`; the Hugo rows are skipped",
            file=sys.stderr,
        )
    report: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "okrsite_command": okrsite,
        "hugo": hugo,
        "rss_method": RSS_METHOD,
        "repeat": args.repeat,
        "sizes": [],
    }
    t0 = time.perf_counter()
    for size in args.sizes:
        print(f"{size.name}:", file=sys.stderr)
        result = SizeBench(size, args, okrsite, env, hugo).run()
        add_ratios(result)
        report["sizes"].append(result)
        if args.json:  # after every size, so a long run that is stopped keeps what it measured
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    report["seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown_table(report["sizes"]))
    notes = problems(report["sizes"])
    if notes:
        print("\n" + "\n".join(notes))
    print(f"\nPeak RSS: {RSS_METHOD}. Machine: {os.cpu_count()} CPUs; hugo: {hugo or 'not found'}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

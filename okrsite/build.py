"""The build pipeline: load → score → render → write, with timings.

The site is written into a staging folder beside the output and swapped in only when every
page succeeded, so a failed build leaves the previous site untouched.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .check import CheckResult, check_site
from .content.files import CONTENT_DIR, FileKind, walk_all
from .diagnostics import Diagnostic, Diagnostics, Location, SiteError
from .render import urls
from .render.pages import NavCycle, Page, current_cycle, plan_pages
from .render.renderer import Renderer, SiteGlobals
from .render.theme import find_theme
from .render.views import ViewBuilder

MARKER = ".okrsite-build"
STATIC_DIR = "static"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path
    today: dt.date | None = None
    drafts: bool = False
    public: bool = False
    base_url: str | None = None


@dataclass
class BuildResult:
    out_dir: Path
    pages: int
    files: int
    diagnostics: tuple[Diagnostic, ...]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if not d.is_error)


class BuildError(SiteError):
    """The build stopped; nothing was written. Carries the diagnostics that explain why."""


def build_site(site_dir: Path, options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the site in `site_dir` into `options.out_dir`. Raises BuildError on any error."""
    timings: dict[str, float] = {}
    checked = check_site(site_dir, today=options.today, drafts=options.drafts, public=options.public)
    timings.update(checked.timings)
    if checked.errors or checked.site is None or checked.scores is None:
        raise BuildError(checked.diagnostics)
    _guard_output(site_dir, options.out_dir)

    started = time.perf_counter()
    pages, renderer = _plan(site_dir, checked, options)
    timings["plan"] = time.perf_counter() - started

    started = time.perf_counter()
    rendered = _render_all(renderer, pages, progress)
    timings["render"] = time.perf_counter() - started

    started = time.perf_counter()
    files = _write(site_dir, options.out_dir, rendered, renderer, checked)
    timings["write"] = time.perf_counter() - started
    return BuildResult(options.out_dir, len(pages), files, checked.diagnostics, timings)


def _plan(site_dir: Path, checked: CheckResult, options: BuildOptions) -> tuple[list[Page], Renderer]:
    site, scores = checked.site, checked.scores
    assert site is not None and scores is not None
    config = site.config
    if options.base_url is not None:
        config = replace(config, base_url=options.base_url.rstrip("/") + "/")
    theme = find_theme(site_dir, config.theme)
    if theme is None:
        raise BuildError([_error("site.toml", "config-value",
                                 f"theme {config.theme!r} not found in themes/{config.theme}/",
                                 'create the folder, or set theme = "default"')])
    current = current_cycle(site, checked.today)
    nav = tuple(NavCycle(c.id, c.title, urls.cycle(c.id)) for c in reversed(site.cycles.values()))
    site_globals = SiteGlobals(
        title=config.title, description=config.description, language=config.language,
        base_url=config.base_url, today=checked.today,
        current_cycle=next((n for n in nav if n.id == current), None), cycles=nav,
        favicon=_favicon(site_dir),
    )
    builder = ViewBuilder(site, scores)
    pages = plan_pages(builder, current)
    _check_unique(pages)
    return pages, Renderer(theme, config, site_globals)


def _favicon(site_dir: Path) -> str:
    for name in ("favicon.ico", "favicon.svg", "favicon.png"):
        if (site_dir / STATIC_DIR / name).is_file():
            return name
    return urls.asset("favicon.svg")


def _check_unique(pages: list[Page]) -> None:
    seen: dict[str, Page] = {}
    problems = Diagnostics()
    for page in pages:
        other = seen.get(page.output.casefold())
        if other is not None:
            problems.error(
                Location(CONTENT_DIR), "url-collision",
                f"two pages would be written to {page.output}: the {other.kind} page and the {page.kind} page",
                "rename the cycle, owner or tag so their URLs differ (names reserved by okrsite: "
                + ", ".join(sorted(urls.RESERVED_TOP)) + ")",
            )
        seen[page.output.casefold()] = page
    if problems.items:
        raise BuildError(problems.items)


def _render_all(renderer: Renderer, pages: list[Page], progress: Progress | None) -> dict[str, str]:
    rendered: dict[str, str] = {}
    total = len(pages)
    for index, page in enumerate(pages, start=1):
        rendered[page.output] = renderer.render(page)
        if progress is not None:
            progress(index, total)
    return rendered


def _guard_output(site_dir: Path, out_dir: Path) -> None:
    """Refuse to replace a folder okrsite did not make, or the site itself."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out) or (out.is_relative_to(site / CONTENT_DIR)):
        raise BuildError([_error("site.toml", "output-folder",
                                 f"the output folder {out_dir} would overwrite the site's own files",
                                 "build into a separate folder, e.g. --out public")])
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise BuildError([_error(str(out_dir), "output-folder",
                                 f"{out_dir} exists and was not made by okrsite; it is left alone",
                                 "choose an empty or new folder for --out, or delete it first")])


def _error(path: str, code: str, message: str, hint: str) -> Diagnostic:
    found = Diagnostics()
    found.error(Location(path), code, message, hint)
    return found.items[0]


def _write(site_dir: Path, out_dir: Path, rendered: dict[str, str], renderer: Renderer,
           checked: CheckResult) -> int:
    """Write everything into a staging folder, then swap it in for the old output."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.okrsite-staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        count = 0
        for rel, html in sorted(rendered.items()):
            _write_file(staging / rel, html.encode("utf-8"))
            count += 1
        count += _copy_assets(site_dir, staging, renderer, checked)
        (staging / MARKER).write_text("This folder is written by okrsite build; it is replaced on every build.\n")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy_assets(site_dir: Path, staging: Path, renderer: Renderer, checked: CheckResult) -> int:
    count = 0
    for name, source in renderer.theme.static_files().items():
        _copy(source, staging / urls.asset(name))
        count += 1
    static = site_dir / STATIC_DIR
    if static.is_dir():
        for source in walk_all(static):
            _copy(source, staging / source.relative_to(static).as_posix())
            count += 1
    discovery = checked.loaded.discovery
    site = checked.site
    if discovery is not None and site is not None:
        for file in discovery.files:
            objective_id = f"{file.cycle}/{file.owner}/{file.slug}"
            if file.kind is FileKind.ASSET and objective_id in site.objectives:
                inside = file.path.split(f"/{file.slug}/", 1)[1]
                _copy(site_dir / file.path, staging / urls.objective(objective_id) / inside)
                count += 1
    return count


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _swap(staging: Path, out_dir: Path) -> None:
    """Replace out_dir by staging with two renames; the old tree is removed afterwards."""
    old = out_dir.parent / f".{out_dir.name}.okrsite-old-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)

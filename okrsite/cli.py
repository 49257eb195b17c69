"""The `okrsite` command line: thin click commands over importable functions.

Exit codes: 0 success, 1 content errors (or warnings with --strict), 2 usage errors.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import sys
from pathlib import Path

import click

from . import __version__
from .check import CheckResult, check_site
from .diagnostics import format_github, format_json, format_text, summary_line

SITE_ARG = click.argument(
    "path", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)


def _today_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
        help="Score as of this date (YYYY-MM-DD). Default: site.toml `today`, else "
             "SOURCE_DATE_EPOCH, else the clock.",
    )(func)


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  okrsite init my-okrs             start a new site
  okrsite check                    validate the site in this folder
  okrsite build --out public       build the site into public/
  okrsite serve --open             preview it, rebuilt as you edit
  okrsite new checkin 2026-Q4/platform/reliability
\b
Docs: docs/format.md (the content format), docs/configuration.md (site.toml).""",
)
@click.version_option(__version__, prog_name="okrsite")
def main() -> None:
    """okrsite: publish your OKRs as a browsable static site.

    Objectives, key results and check-ins live as Markdown files with YAML front matter;
    okrsite validates them, computes progress and status, and builds the site.
    """


# What a command run by `run` made and would free on returning (a build's model and plan):
# kept for the process to end with instead, as freeing them object by object is slow.
_ENDING: list[object] | None = None


def run() -> None:
    """The `okrsite` command: `main`, then the exit handlers (which wait for any process the
    command started), then the process ends without tearing its heap down object by object:
    a large build's millions of objects took an eighth of a second to free at exit, and a
    large build's model and plan (see _ENDING) take a thirteenth when the command returns."""
    global _ENDING
    _ENDING = []
    try:
        main()  # standalone: ends with SystemExit
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
    atexit._run_exitfuncs()  # what the interpreter would run before its teardown
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 0 if code is None else 1)


def _report(result: CheckResult, fmt: str, strict: bool, site_dir: Path, quiet: bool = False) -> int:
    diagnostics = list(result.diagnostics)
    if fmt == "json":
        click.echo(format_json(diagnostics))
    elif fmt == "github":
        if diagnostics:  # annotations need paths from the repository root (the working folder)
            click.echo(format_github(diagnostics, prefix=_relative_prefix(site_dir)))
    elif diagnostics:
        click.echo(format_text(diagnostics))
    if fmt == "text" and not quiet:
        sys.stdout.flush()
        counts = summary_line(diagnostics)
        site = result.site
        objectives = len(site.objectives) if site else 0
        checkins = len(site.checkins) if site else 0
        click.echo(f"okrsite check: {_count(objectives, 'objective')}, {_count(checkins, 'check-in')}: "
                   f"{counts}", err=True)
    return 1 if result.failed(strict) else 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _relative_prefix(site_dir: Path) -> str:
    try:
        rel = site_dir.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return site_dir.resolve().as_posix() + "/"
    return "" if rel == "." else rel + "/"


@main.command()
@SITE_ARG
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text: file:line:col lines; json; github: workflow annotations.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--drafts", is_flag=True, help="Lint drafts as published objectives too.")
@_today_option
def check(path: Path, fmt: str, strict: bool, drafts: bool, today: dt.datetime | None) -> None:
    """Validate a site and list every problem, with file, line and a hint.

    \b
    Each problem is printed as
      PATH:LINE:COLUMN: error|warning: MESSAGE [code]
          hint: HOW TO FIX IT
    Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.

    \b
    Examples:
      okrsite check
      okrsite check path/to/site --strict
      okrsite check --format github      # in a GitHub Actions step
      okrsite check --format json > problems.json
    """
    result = check_site(path, today=_date(today), drafts=drafts)
    sys.exit(_report(result, fmt, strict, path))


@main.command()
@SITE_ARG
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: PATH/public).")
@click.option("--drafts", is_flag=True, help="Include objectives with status: draft.")
@click.option("--public", is_flag=True, help="Leave out objectives with visibility: private.")
@click.option("--base-url", default=None, help='Serve the site under this path or URL, e.g. "/okrs/".')
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option("--timings", is_flag=True, help="Print the time of each phase.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache folder (default: PATH/.okrsite-cache). Safe to delete.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache: a cold build.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for rendering (default: one per core).")
@click.option("--search/--no-search", default=None,
              help="Build the full-text search index with Pagefind (default: site.toml [search]).")
@_today_option
def build(path: Path, out_dir: Path | None, drafts: bool, public: bool, base_url: str | None,
          quiet: bool, timings: bool, cache_dir: Path | None, no_cache: bool, jobs: int | None,
          search: bool | None, today: dt.datetime | None) -> None:
    """Build the site into a folder of static HTML.

    The site is written to a staging folder and swapped in only when everything
    succeeded: on any error the previous output stays as it was, the problems are
    listed as by `okrsite check`, and the exit status is 1.

    Parsed files and page fingerprints are kept in PATH/.okrsite-cache (keyed by content
    hashes, so a CI job can restore it): pages whose inputs did not change are not
    rendered again.

    \b
    Examples:
      okrsite build                          # ./public from the site in this folder
      okrsite build path/to/site --out /tmp/site --today 2026-11-20
      okrsite build --base-url /okrs/ --public
    """
    from .build import BuildError, BuildOptions, build_site

    options = BuildOptions(out_dir=out_dir or path / "public", today=_date(today), drafts=drafts,
                           public=public, base_url=base_url, cache_dir=cache_dir,
                           use_cache=not no_cache, jobs=jobs, search=search)
    try:
        with _progress_bar(quiet) as progress:
            result = build_site(path, options, progress=progress)
            if _ENDING is not None:
                _ENDING.append(result.kept)
    except BuildError as exc:
        click.echo(format_text(exc.diagnostics), err=True)
        click.echo(f"okrsite build: failed with {summary_line(exc.diagnostics)}; "
                   f"{options.out_dir} was left as it was", err=True)
        sys.exit(1)
    if not quiet:
        warnings = [d for d in result.diagnostics if not d.is_error]
        if warnings:
            click.echo(format_text(warnings), err=True)
        click.echo(f"okrsite build: {result.pages} pages ({result.rendered} rendered), "
                   f"{result.files} files in {result.seconds:.2f} s, "
                   f"{len(warnings)} warning{'s' * (len(warnings) != 1)} -> {options.out_dir}", err=True)
    if timings:
        for phase, seconds in result.timings.items():
            click.echo(f"  {phase:<8} {seconds * 1000:9.1f} ms", err=True)


@main.command()
@SITE_ARG
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; when taken, the next free one is used. 0: any free port.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. 0.0.0.0 serves to your network (private objectives "
                   "included).")
@click.option("--drafts", is_flag=True, help="Include objectives with status: draft.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in your web browser.")
@_today_option
def serve(path: Path, port: int, host: str, drafts: bool, open_browser: bool,
          today: dt.datetime | None) -> None:
    """Build the site, serve it, and rebuild and reload the browser as you edit.

    Watches content/, site.toml, themes/ and static/. After each save (a burst of
    saves makes one rebuild) only the pages that changed are rendered again, and
    only the open tabs showing one of them reload. When a build fails the browser
    shows the errors (file:line and a hint) over the last good page, and the
    terminal lists them; the next good build clears them. The site is built into a
    temporary folder, never into public/, and served at / (base_url is ignored).

    \b
    Examples:
      okrsite serve                        # http://127.0.0.1:8000/
      okrsite serve path/to/site --open    # and open it in the browser
      okrsite serve --port 8001 --drafts
    """
    from .serve import ServeError, ServeOptions, serve_site

    try:
        serve_site(path, ServeOptions(host=host, port=port, drafts=drafts, today=_date(today),
                                      open_browser=open_browser))
    except ServeError as exc:
        raise click.UsageError(str(exc)) from exc


class _progress_bar:
    """A progress bar on stderr for long builds, only when stderr is a terminal."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self.update if self.enabled else None

    def update(self, done: int, total: int) -> None:
        if total < 500:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command("export")
@SITE_ARG
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.option("--cycle", "cycles", multiple=True, help="Only this cycle (repeatable).")
@click.option("--drafts", is_flag=True, help="Include draft objectives.")
@click.option("--public", is_flag=True, help="Leave out private objectives.")
@click.option("--schema", "show_schema", is_flag=True, help="Print the JSON Schema of the export and exit.")
@_today_option
def export_command(path: Path, fmt: str, out: Path | None, cycles: tuple[str, ...], drafts: bool,
                   public: bool, show_schema: bool, today: dt.datetime | None) -> None:
    """Export every cycle, objective, key result and check-in, with scores.

    JSON follows the JSON Schema shipped with okrsite (print it with --schema).
    CSV has one row per cycle, objective, key result and check-in update (column `type`).

    \b
    Examples:
      okrsite export > okrs.json
      okrsite export --format csv --out okrs.csv --cycle 2026-Q4
    """
    from .export import export_data, schema_text, to_csv, to_json

    if show_schema:
        click.echo(schema_text(), nl=False)
        return
    result = check_site(path, today=_date(today), drafts=drafts, public=public)
    if result.errors:
        click.echo(format_text(result.errors), err=True)
        click.echo(f"okrsite export: {summary_line(result.errors)}; nothing exported", err=True)
        sys.exit(1)
    assert result.site is not None and result.scores is not None
    unknown = [c for c in cycles if c not in result.site.cycles]
    if unknown:
        raise click.BadParameter(f"no cycle {', '.join(unknown)}; cycles: {', '.join(result.site.cycles)}",
                                 param_hint="--cycle")
    data = export_data(result.site, result.scores, cycles or None)
    text = to_json(data) if fmt == "json" else to_csv(data)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"okrsite export: wrote {out}", err=True)


@main.command()
@SITE_ARG
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Remind after this many days without a check-in (default: site.toml "
                   "[checkins] remind_after_days).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@_today_option
def remind(path: Path, days: int | None, fmt: str, today: dt.datetime | None) -> None:
    """List who owes a check-in: objectives of running cycles with no check-in for DAYS.

    Grouped by owner, each with the file to write and the `okrsite new checkin`
    command that prefills it; ready for a scheduled CI job to post to chat or mail.

    \b
    Examples:
      okrsite remind
      okrsite remind --days 10 --format markdown > reminders.md
      okrsite remind --format json | jq '.owners[].owner'
    """
    from .remind import find_reminders, to_json, to_markdown, to_text

    result = check_site(path, today=_date(today))
    if result.errors or result.site is None or result.scores is None:
        click.echo(format_text(result.errors), err=True)
        click.echo(f"okrsite remind: the site has {summary_line(result.errors)}; fix them first", err=True)
        sys.exit(1)
    wait = days or result.site.config.checkins.remind_after_days
    groups = find_reminders(result.site, result.scores, path, wait)
    render = {"text": to_text, "markdown": to_markdown, "json": to_json}[fmt]
    click.echo(render(groups, wait, result.today), nl=False)


@main.group()
def new() -> None:
    """Create a new objective or check-in file with valid front matter.

    \b
    Examples:
      okrsite new objective 2026-Q4/platform/reliability --title "Make the platform boringly reliable"
      okrsite new checkin 2026-Q4/platform/reliability --author alice
    """


@new.command("objective")
@click.argument("target")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="The site folder (default: here).")
@click.option("--title", default=None, help="The objective's title (default: from the slug).")
@click.option("--parent", default=None, help="What it aligns to: OWNER/SLUG or OWNER/SLUG#KR.")
def new_objective_command(target: str, site_dir: Path, title: str | None, parent: str | None) -> None:
    """Write content/CYCLE/OWNER/SLUG.md for TARGET = CYCLE/OWNER/SLUG.

    \b
    Example:
      okrsite new objective 2026-Q4/platform/reliability --parent engineering/ship-faster
    """
    from .scaffold import ScaffoldError, new_objective

    try:
        written = new_objective(site_dir, target, title=title, parent=parent)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {written.path}")


@new.command("checkin")
@click.argument("objective")
@click.option("--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="The site folder (default: here).")
@click.option("--author", default=None, help="Your person id in org.yaml.")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date of the check-in (default: the build date, usually today).")
def new_checkin_command(objective: str, site_dir: Path, author: str | None,
                        date: dt.datetime | None) -> None:
    """Write a check-in for OBJECTIVE, prefilled with each key result's current value.

    OBJECTIVE is CYCLE/OWNER/SLUG (or OWNER/SLUG when unique). The file goes in the
    objective's bundle, or in OWNER/checkins/DATE.md. Edit the numbers, write the notes.

    \b
    Example:
      okrsite new checkin 2026-Q4/platform/reliability --author alice
    """
    from .scaffold import ScaffoldError, new_checkin

    result = check_site(site_dir, today=_date(date), drafts=True)
    if result.site is None or result.scores is None:
        raise click.ClickException("the site could not be read")
    try:
        written = new_checkin(result.site, result.scores, site_dir, objective,
                              date=_date(date) or result.today, author=author)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {written.path}")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".", required=False)
@click.option("--title", default="Our OKRs", show_default=True, help="The site's title.")
@_today_option
def init(directory: Path, title: str, today: dt.datetime | None) -> None:
    """Create a new site in DIRECTORY that builds at once.

    Writes site.toml, content/org.yaml and the current quarter with a company objective,
    a team objective aligned to it, and a check-in.

    \b
    Example:
      okrsite init my-okrs && cd my-okrs && okrsite build
    """
    from .scaffold import ScaffoldError, init_site

    try:
        written = init_site(directory, today=_date(today) or dt.date.today(), title=title)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    for item in written:
        click.echo(f"wrote {item.path}")
    click.echo(f"next: cd {directory} && okrsite build", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()

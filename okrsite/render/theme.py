"""The theme: template lookup (site theme over the built-in one), static assets, strings.

A site's `themes/<name>/templates/x.html` replaces the built-in `x.html`; it can extend the
original with `{% extends "@default/x.html" %}`. Static files of the theme go to `assets/`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from ..content.files import walk_all
from .fragments import CacheExtension

BUILTIN = "default"


def builtin_theme_dir() -> Path:
    return Path(str(resources.files("okrsite.themes").joinpath(BUILTIN)))


@dataclass(frozen=True)
class Theme:
    """The folders of a theme, lowest priority first (built-in, then the site's)."""

    dirs: tuple[Path, ...]

    @property
    def template_dirs(self) -> list[Path]:
        return [d / "templates" for d in reversed(self.dirs) if (d / "templates").is_dir()]

    def loader(self) -> BaseLoader:
        builtin = FileSystemLoader(str(self.dirs[0] / "templates"))
        return ChoiceLoader([
            PrefixLoader({"@default": builtin}, delimiter="/"),
            FileSystemLoader([str(d) for d in self.template_dirs]),
        ])

    def static_files(self) -> dict[str, Path]:
        """Asset name (relative to static/) → file, the site theme's winning."""
        found: dict[str, Path] = {}
        for folder in self.dirs:
            static = folder / "static"
            if static.is_dir():
                for path in walk_all(static):
                    found[path.relative_to(static).as_posix()] = path
        return dict(sorted(found.items()))

    def digest(self) -> str:
        """A hash of every template, string and asset file, for cache keys."""
        h = hashlib.sha256()
        for folder in self.dirs:
            if folder.is_dir():
                for path in walk_all(folder):
                    if "__pycache__" in path.parts:
                        continue
                    h.update(path.relative_to(folder).as_posix().encode())
                    h.update(hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()[:16]


def find_theme(site_dir: Path, name: str) -> Theme | None:
    """The built-in theme plus the site's themes/<name>/ if present; None if `name` is unknown."""
    builtin = builtin_theme_dir()
    site_theme = site_dir / "themes" / name
    if site_theme.is_dir():
        if site_theme.resolve() == builtin.resolve():
            return Theme((builtin,))
        return Theme((builtin, site_theme))
    if name == BUILTIN:
        return Theme((builtin,))
    return None


def make_environment(theme: Theme) -> Environment:
    env = Environment(
        loader=theme.loader(),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=400,
        extensions=[CacheExtension],
    )
    return env

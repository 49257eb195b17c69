"""Languages: the strings files agree, and `language = "sv"` switches every word, date and number."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

from okrsite.build import BuildOptions, build_site
from okrsite.render.i18n import Formatter, _flatten
from okrsite.render.theme import builtin_theme_dir

from .conftest import FixtureSite

TODAY = dt.date(2026, 11, 25)
NBSP = "\u00a0"
STRINGS = builtin_theme_dir() / "strings"


def strings(language: str) -> dict[str, Any]:
    return _flatten(yaml.safe_load((STRINGS / f"{language}.yaml").read_text(encoding="utf-8")))


EN, SV = strings("en"), strings("sv")


def forms(value: Any) -> list[str]:
    """The texts of a string: itself, or each plural form."""
    return [str(v) for v in value.values()] if isinstance(value, Mapping) else [str(value)]


def placeholders(value: Any) -> set[str]:
    return {name for text in forms(value) for name in re.findall(r"\{(\w*)\}", text)}


def test_english_and_swedish_have_the_same_keys_and_placeholders() -> None:
    assert sorted(set(EN) - set(SV)) == [], "missing in sv.yaml"
    assert sorted(set(SV) - set(EN)) == [], "missing in en.yaml"
    for key, value in EN.items():
        assert placeholders(SV[key]) == placeholders(value), key
        if isinstance(value, Mapping):
            assert set(SV[key]) == set(value) == {"one", "other"}, key


def test_formatter_writes_numbers_dates_and_units_the_swedish_way() -> None:
    sv, en = Formatter("sv"), Formatter("en")
    assert sv.percent(0.46) == f"46{NBSP}%" and en.percent(0.46) == "46%"
    assert sv.number(1234.5) == f"1{NBSP}234,5" and en.number(1234.5) == "1,234.5"
    assert sv.date(TODAY) == "25 nov. 2026" and sv.date_long(TODAY) == "25 november 2026"
    assert sv.quantity(99.81, "%") == f"99,81{NBSP}%" and en.quantity(99.81, "%") == "99.81%"
    assert sv.quantity(540, "ms") == en.quantity(540, "ms") == "540 ms"


# A small site written in Swedish, so any English on its pages comes from the theme or code.
FILES = {
    "site.toml": 'title = "Fyrhamns mål"\nlanguage = "sv"\n',
    "content/org.yaml": """
        teams:
          bolaget: {name: Fyrhamn AB}
          plattform: {name: Plattformsgruppen, parent: bolaget, lead: anna}
        people:
          anna: {name: Anna Berg, team: plattform}
          erik: {name: Erik Lind, team: plattform}
    """,
    "content/2026-Q3/_cycle.md": """
        ---
        title: Q3 2026
        closed: true
        ---
        Vi lärde oss att leverera i mindre steg.
    """,
    "content/2026-Q3/bolaget/vaxa.md": """
        ---
        title: Väx i Norden
        score: 0.8
        key_results:
          - {id: kunder, title: Fler kunder i Norge, start: 5, target: 10}
        ---
    """,
    "content/2026-Q4/bolaget/leverera.md": """
        ---
        title: Leverera utan avbrott
        tags: [drift]
        key_results:
          - {id: nps, title: Höj kundnöjdheten, start: 0, target: 50}
        ---
        Kunderna märker varje avbrott.
    """,
    "content/2026-Q4/bolaget/checkins/2026-11-25.md": """
        ---
        author: anna
        updates:
          leverera#nps: 23
        ---
        Stadig ökning.
    """,
    "content/2026-Q4/plattform/drift/index.md": """
        ---
        title: Gör plattformen tråkigt stabil
        parent: bolaget/leverera#nps
        kind: committed
        tags: [drift, stabilitet]
        key_results:
          - {id: upptid, title: Höj tillgängligheten, start: 99.5, target: 99.95, unit: "%", owner: erik}
          - {id: latens, title: Sänk svarstiden, start: 800, target: 300, unit: ms}
          - {id: korbok, title: Skriv en körbok för varje tjänst}
          - {id: budget, title: Håll felbudgeten, target: "<= 1.5", current: 0.8}
        ---
        Plattformen ska vara **tråkig**.
    """,
    "content/2026-Q4/plattform/drift/2026-10-20.md": """
        ---
        author: anna
        confidence: high
        updates:
          upptid: 99.7
          latens: 700
        ---
        Första veckan med cache.
    """,
    "content/2026-Q4/plattform/drift/2026-11-25.md": """
        ---
        author: erik
        confidence: low
        updates:
          upptid: 99.81
          latens: {value: 540, note: "cachemissar den fjortonde"}
          korbok: {done: true}
        ---
        Vi är på väg.
    """,
    "content/2026-Q4/erik/lara.md": """
        ---
        title: Lär mig Rust
        parent: plattform/drift
        key_results:
          - {id: bok, title: Läs boken, target: 1}
        ---
    """,
}
CONTENT = " ".join(FILES.values())
pytestmark = pytest.mark.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)  # the feeds


class Built:
    def __init__(self, out: Path):
        self.out = out

    def html(self, url: str) -> BeautifulSoup:
        path = self.out / (url + "index.html" if url == "" or url.endswith("/") else url)
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    def pages(self) -> Iterator[tuple[str, BeautifulSoup]]:
        for path in sorted(self.out.rglob("*")):
            if path.suffix in (".html", ".xml"):
                yield path.relative_to(self.out).as_posix(), BeautifulSoup(
                    path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture
def swedish(site: FixtureSite, tmp_path: Path) -> Built:
    site.write(FILES)
    out = tmp_path / "public"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=False))
    return Built(out)


def reader_text(page: BeautifulSoup) -> str:
    """What a reader sees or hears: text (SVG titles and labels too) and labelling attributes."""
    for element in page(["script", "style"]):
        element.decompose()
    parts = [page.get_text(" ")]
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            if name in ("aria-label", "aria-valuetext", "title", "alt") or name.startswith("data-label") \
                    or name in ("data-template", "data-none", "data-count", "data-offline"):
                parts.append(value if isinstance(value, str) else " ".join(value))
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parts))  # no-break spaces kept


def test_swedish_site_has_swedish_navigation_status_words_and_lang(swedish: Built) -> None:
    home = swedish.html("")
    assert home.html["lang"] == "sv"
    nav = [a.get_text(strip=True) for a in home.select(".site-nav a")]
    assert nav == ["Start", "Q4 2026", "Team och personer", "Sök", "Veckan", "Arkiv"]
    assert home.select_one(".skip-link").get_text() == "Hoppa till innehållet"
    assert home.select_one(".site-nav")["aria-label"] == "Huvudmeny"
    assert home.select_one("#company-h").get_text() == "Företagets mål"
    badges = {b.get_text() for b in home.select(".badge[class*=status-]")}
    assert badges and badges <= {SV[f"status.{k}"] for k in
                                 ("done", "on-track", "at-risk", "off-track", "not-started", "no-data")}
    for url in ("", "2026-Q4/", "2026-Q4/plattform/drift/"):
        for badge in swedish.html(url).select(".badge[class*=status-]"):
            status = next(c for c in badge["class"] if c.startswith("status-"))
            assert badge.get_text() == SV["status." + status.removeprefix("status-")], url
    assert home.select_one(".badge.phase-running").get_text() == "Pågår"
    ended = swedish.html("2026-Q3/")
    assert ended.select_one(".grade-large .grade-value").get_text() == "0,8"
    assert ended.select_one(".grade-large .badge").get_text() == "Nått"
    assert "Stängd" in ended.select_one(".lede").get_text()


def test_swedish_dates_and_numbers_in_page_text(swedish: Built) -> None:
    assert "1 okt. 2026 – 31 dec. 2026" in reader_text(swedish.html(""))
    page = swedish.html("2026-Q4/plattform/drift/")
    newest = page.select(".timeline .checkin")[0]
    assert newest.select_one("time").get_text() == "25 nov. 2026"
    values = newest.get_text(" ", strip=True)
    assert f"99,81{NBSP}%" in values and "540 ms" in values and "klar" in values
    assert f"Tilltro 30{NBSP}%" in values
    meta = page.select_one("#kr-upptid .kr-meta").get_text(" ", strip=True)
    assert f"Nuläge: 99,81{NBSP}%" in meta and f"Målvärde: 99,95{NBSP}%" in meta and "Startvärde: 99,5" in meta
    assert "Gräns: <= 1,5" in page.select_one("#kr-budget .kr-meta").get_text(" ", strip=True)
    assert "Läget per 25 november 2026" in page.select_one(".site-footer").get_text()

    company = swedish.html("2026-Q4/bolaget/leverera/")
    bar = company.select_one("#kr-nps [role=progressbar]")
    assert bar.select_one(".bar-value").get_text() == f"46{NBSP}%"
    assert bar["aria-valuetext"].startswith(f"46{NBSP}%, förväntat ")

    insights = reader_text(swedish.html("insights/2026-Q4/"))
    assert f"0–19{NBSP}%" in insights and f"100{NBSP}%" in insights


def test_swedish_chart_labels(swedish: Built) -> None:
    page = swedish.html("2026-Q4/plattform/drift/")
    trend = page.select_one("#kr-upptid svg.chart")
    labels = [t.get_text() for t in trend.select("text")]
    assert "1 okt. 2026" in labels and "31 dec. 2026" in labels and "1 nov." in labels
    assert f"99,95{NBSP}%" in labels and f"99,5{NBSP}%" in labels
    assert {"Startvärde", "Målvärde", "I dag", "Idealtakt", "Incheckningar"} <= set(labels)
    assert trend.desc.get_text() == (
        f"Startvärde: 99,5{NBSP}%. Målvärde: 99,95{NBSP}%. Senaste: 99,81{NBSP}% (25 nov. 2026).")
    points = [c.title.get_text() for c in trend.select("circle.point")]
    assert points == [f"20 okt. 2026: 99,7{NBSP}%", f"25 nov. 2026: 99,81{NBSP}%"]
    milestone = page.select_one("#kr-korbok svg.chart")
    assert "Klar 25 nov. 2026" in [t.get_text() for t in milestone.select("text")]
    threshold = page.select_one("#kr-budget svg.chart").desc.get_text()
    assert threshold.startswith("Gräns ≤ 1,5.") and "Inga incheckningar än." in threshold
    node = swedish.html("cascade/2026-Q4/").select_one("svg.cascade .node title").get_text()
    assert "Ägare: " in node and "Framsteg: " in node and f"{NBSP}%" in node


def english_only() -> list[str]:
    """Phrases of en.yaml that Swedish pages must not show: from every English string that
    sv.yaml words differently, the text between placeholders, less what Swedish also uses."""
    swedish_text = " ".join(text for value in SV.values() for text in forms(value))
    found: set[str] = set()
    for key, value in EN.items():
        if forms(value) == forms(SV[key]):
            continue
        for text in forms(value):
            for piece in re.split(r"\{\w*\}", text):
                piece = piece.strip(" .,:;()–-")
                if len(re.sub(r"\W", "", piece)) < 3 or _has(swedish_text, piece) or _has(CONTENT, piece):
                    continue
                found.add(piece)
    return sorted(found)


def _has(text: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def test_no_english_on_swedish_pages(swedish: Built) -> None:
    phrases = english_only()
    assert "On track" in phrases and "key results" in phrases and "Today" in phrases
    leaks = [(url, phrase) for url, page in swedish.pages() for phrase in phrases
             if _has(reader_text(page), phrase)]
    assert leaks == []


def test_unknown_language_is_a_config_error_listing_the_supported_ones(site: FixtureSite) -> None:
    result = site({**FILES, "site.toml": 'title = "Mål"\nlanguage = "fi"\n'})
    found = result.expect("config-value", "site.toml", line=2, message="language = 'fi' is not supported")
    assert "`en`" in found.hint and "`sv`" in found.hint and "themes/default/strings/fi.yaml" in found.hint


def test_a_site_theme_adds_a_language_and_overrides_strings(site: FixtureSite, tmp_path: Path) -> None:
    site.write({
        **FILES,
        "site.toml": 'language = "fi"\ntheme = "oma"\n',
        "themes/oma/strings/fi.yaml": "nav:\n  home: Etusivu\n",
    })
    out = tmp_path / "fi"
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=False))
    home = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.html["lang"] == "fi"
    nav = [a.get_text(strip=True) for a in home.select(".site-nav a")]
    assert nav[0] == "Etusivu" and nav[-1] == "Archive"  # missing strings fall back to English
    assert "25.11.2026" in home.get_text()  # Finnish dates from Babel

    site.write({"site.toml": 'language = "sv"\ntheme = "oma"\n',
                "themes/oma/strings/sv.yaml": "nav:\n  archive: Tidigare perioder\n"})
    build_site(site.root, BuildOptions(out_dir=out, today=TODAY, search=False))
    home = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    nav = [a.get_text(strip=True) for a in home.select(".site-nav a")]
    assert nav[0] == "Start" and nav[-1] == "Tidigare perioder"

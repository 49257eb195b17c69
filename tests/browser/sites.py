"""Sites the browser tests build once per session, and one URL of each page type to visit."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from okrsite.build import BuildOptions, build_site
from okrsite.check import CheckResult, check_site
from okrsite.model import Site
from okrsite.render import urls
from okrsite.render.pages import current_cycle

from ..conftest import Checked

DEMO = Path(__file__).resolve().parents[2]  # the repository is the demo site


@dataclass(frozen=True)
class BuiltSite(Checked):
    """A built site, the check (model, scores) it was built from, and where it is served."""

    root: Path  # the site's sources
    out: Path  # the built folder
    url: str  # where it is served, ending in "/"

    @property
    def today(self) -> dt.date:
        return self.result.today

    def at(self, site_url: str) -> str:
        """The served address of a site-root relative URL ("" is home)."""
        return self.url + site_url

    def path_of(self, address: str) -> str:
        """The site-root relative URL of a served address (the inverse of `at`)."""
        assert address.startswith(self.url), address
        return address[len(self.url):].split("#", 1)[0]


def build(root: Path, out: Path, *, today: dt.date | None = None,
          base_url: str | None = None) -> CheckResult:
    """Build `root` into `out` on `today` (else the site's own date); returns its check."""
    checked = check_site(root, today=today)
    assert not checked.errors, "\n".join(d.as_text() for d in checked.errors)
    build_site(root, BuildOptions(out_dir=out, today=checked.today, base_url=base_url))
    return checked


# Pages some builds have: kind → URL, "{cycle}" standing for the current cycle.
OPTIONAL_PAGES = {"this-week": "this-week/", "insights": "insights/{cycle}/"}


def page_types(site: Site, today: dt.date, out: Path) -> dict[str, str]:
    """One site-root relative URL for every kind of page of the site built in `out`, chosen
    from the model so content can change: the richest objective of the current cycle, the
    owner with the longest history, the most used tag..."""
    current = current_cycle(site, today)
    assert current is not None, "the site has no cycle"
    ended = [c.id for c in site.cycles.values() if c.phase(today) == "ended"]
    mine = list(site.objectives_in(current))

    def richness(objective_id: str) -> tuple[int, ...]:
        o = site.objectives[objective_id]
        return (bool(o.parents), bool(site.children.get(o.id)), bool(o.checkins),
                len(o.key_results), len(o.checkins))

    objective = max((o.id for o in mine), key=richness)
    owners_in_cycle = Counter(o.owner for o in mine)
    history = Counter(o.owner for o in site.objectives.values())
    cycles_of = {owner: len({o.cycle for o in site.objectives.values() if o.owner == owner})
                 for owner in history}
    tags = Counter(t for o in site.objectives.values() for t in o.tags)
    found = {
        "home": urls.home(),
        "cycle": urls.cycle(current),
        "objective": urls.objective(objective),
        "owner-cycle": urls.owner_in_cycle(current, owners_in_cycle.most_common(1)[0][0]),
        "owner": urls.owner(max(history, key=lambda o: (cycles_of[o], history[o]))),
        "owners": urls.owners(),
        "archive": urls.archive(),
        "tags": urls.tags(),
        "cascade": urls.cascade(current),
        "404": "404.html",
    }
    if tags:
        found["tag"] = urls.tag(tags.most_common(1)[0][0])
    for kind, pattern in OPTIONAL_PAGES.items():
        url = pattern.format(cycle=current)
        if (out / url / "index.html").is_file():
            found[kind] = url
    if ended:
        last = ended[-1]
        found["cycle-ended"] = urls.cycle(last)
        found["objective-ended"] = urls.objective(max(
            (o.id for o in site.objectives_in(last)), key=richness))
    return found

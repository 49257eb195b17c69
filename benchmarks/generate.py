#!/usr/bin/env python3
"""Generate a synthetic company in the okrsite content format, for benchmarks and tests.

Deterministic (seeded; two runs with the same arguments give byte-identical trees), stdlib
only. The company has one company team, about teams/20 departments and `teams` teams under
them, each with a few people; cycles are calendar quarters from 2025-Q1 on. Every cycle but
the last has ended and its objectives carry `score:`; `today` in site.toml is pinned
`TODAY_OFFSET_DAYS` into the last one, so builds are reproducible.

Per owner and cycle about `objectives_per_team` objectives (one more or less at random) with
3 or 4 key results each: increasing, decreasing, milestone, threshold (`">= X"`/`"<= X"`) and,
on department and company objectives, linked (`objective: team/slug`) KRs. Departments align
to company KRs (`parent: company/slug#kr`), teams to department objectives. Every owner
checks in weekly (`OWNER/checkins/YYYY-MM-DD.md`, a few weeks skipped, a few owners stale in
the running cycle), updating every KR of its objectives that is not linked.

Counts (about; `SiteStats` has the exact figures):
  owners      = teams + departments + 1
  objectives  = owners * cycles * objectives_per_team
  key results = 3.5 * objectives
  check-ins   = owners * (13 per ended cycle + 9 in the running one), less ~2% skipped weeks
  1,000 teams, 4 cycles: ~16,800 objectives, ~59,000 KRs, ~50,000 check-in files.

`objectives=N, checkins=M` (CLI: `--objectives N --checkins M`) makes exactly N objectives and
M check-in files instead, spread evenly over the owners and cycles (teams derived from N
unless given).

Usage:
  python benchmarks/generate.py OUT --teams 1000 --cycles 4 [--seed 1]
  python benchmarks/generate.py OUT --objectives 10000 --checkins 50000 [--cycles 4]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import shutil
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

FIRST_YEAR = 2025
TODAY_OFFSET_DAYS = 62  # the running cycle is about two thirds through
TEAMS_PER_DEPARTMENT = 20
SKIP_WEEK_CHANCE = 0.02
STALE_OWNER_CHANCE = 0.025
STALE_DAYS = 24

# ---------------------------------------------------------------------------------------
# Word lists

COMPANY_NAMES = ["Northwind", "Globex", "Initech", "Umbrella Logistics", "Hooli", "Vandelay"]
FIRST_NAMES = [
    "Alice",
    "Bob",
    "Carla",
    "David",
    "Elin",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Lars",
    "Maja",
    "Nils",
    "Olga",
    "Per",
    "Quentin",
    "Rosa",
    "Sven",
    "Tove",
    "Ulf",
    "Vera",
    "Wilma",
    "Xavier",
    "Yusuf",
    "Zoe",
    "Amira",
    "Björn",
    "Chen",
    "Dagny",
    "Emeka",
    "Fatima",
    "Gustav",
    "Hanna",
    "Ivan",
    "Jamal",
    "Kerstin",
    "Leila",
    "Mateo",
    "Noor",
    "Oskar",
    "Priya",
    "Rafael",
    "Saga",
    "Tariq",
    "Ulrika",
    "Viktor",
    "Wei",
    "Ylva",
    "Zainab",
    "Anders",
    "Beatriz",
    "Camille",
    "Dmitri",
    "Ebba",
    "Felix",
    "Greta",
    "Hamid",
    "Ida",
    "Johan",
    "Kofi",
    "Linnea",
    "Marek",
    "Nadia",
    "Omar",
    "Pia",
    "Ronja",
    "Sofia",
    "Theo",
    "Ugo",
    "Valentina",
    "Åsa",
    "Öskar",
]
LAST_NAMES = [
    "Andersson",
    "Berg",
    "Castillo",
    "Dahl",
    "Eriksson",
    "Fischer",
    "Gonzalez",
    "Holm",
    "Ibrahim",
    "Johansson",
    "Karlsson",
    "Lindqvist",
    "Moreno",
    "Nyström",
    "Okafor",
    "Persson",
    "Qureshi",
    "Rossi",
    "Svensson",
    "Tanaka",
    "Uddin",
    "Varga",
    "Wallin",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Åberg",
    "Öberg",
    "Novak",
    "Kowalski",
    "Nguyen",
    "Haddad",
    "Mensah",
    "Laine",
    "Sato",
    "Kaur",
    "Müller",
    "Dubois",
    "Silva",
    "Jensen",
    "Hansen",
    "Virtanen",
    "Costa",
    "Ali",
    "Khan",
    "Petrov",
    "Ekström",
    "Sjöberg",
    "Lund",
    "Forsberg",
    "Hopper",
    "Lovelace",
    "Hamilton",
    "Liskov",
    "Ritchie",
    "Thompson",
    "Kernighan",
    "Torvalds",
    "Knuth",
    "Dijkstra",
]
DEPARTMENTS = [
    "Engineering",
    "Product",
    "Design",
    "Sales",
    "Marketing",
    "Customer Success",
    "Finance",
    "People",
    "Data",
    "Security",
    "Operations",
    "Legal",
    "Infrastructure",
    "Growth",
    "Partnerships",
    "Support",
    "Research",
    "Platform",
    "Mobile",
    "Commerce",
]
REGIONS = ["EMEA", "Americas", "APAC", "Nordics", "DACH", "Iberia", "Benelux", "UK", "India"]
AREAS = [
    "checkout",
    "payments",
    "billing",
    "search",
    "onboarding",
    "identity",
    "notifications",
    "messaging",
    "analytics",
    "reporting",
    "pricing",
    "catalog",
    "inventory",
    "shipping",
    "returns",
    "invoicing",
    "mobile",
    "web",
    "desktop",
    "API",
    "integrations",
    "marketplace",
    "ads",
    "recommendations",
    "fraud",
    "compliance",
    "observability",
    "CI",
    "deploys",
    "storage",
    "networking",
    "databases",
    "caching",
    "queues",
    "accessibility",
    "localization",
    "documentation",
    "support",
    "tooling",
    "hiring",
    "training",
    "partnerships",
    "renewals",
    "forecasting",
    "procurement",
    "payroll",
    "security",
    "auth",
    "permissions",
    "audit",
    "backups",
    "scheduling",
    "routing",
    "pipelines",
    "ingestion",
    "experiments",
    "growth",
    "referrals",
    "retention",
    "community",
    "events",
]
TEAM_SUFFIXES = [
    "Core",
    "Experience",
    "Platform",
    "Squad",
    "Guild",
    "Foundations",
    "Insights",
    "Delivery",
    "Enablement",
    "Reliability",
    "Growth",
    "Labs",
    "Ops",
    "Tools",
    "Frontend",
    "Backend",
    "Automation",
    "Quality",
    "Strategy",
    "Programs",
]
AUDIENCES = [
    "new customers",
    "enterprise admins",
    "small businesses",
    "developers",
    "partners",
    "our support agents",
    "first-time users",
    "power users",
    "mobile users",
    "EU customers",
    "self-serve sign-ups",
    "every team in the company",
    "on-call engineers",
    "finance",
]
QUALITIES = [
    "boringly reliable",
    "fast",
    "self-serve",
    "delightful",
    "measurable",
    "secure by default",
    "easy to adopt",
    "cheap to run",
    "accessible",
    "predictable",
    "transparent",
]
OBJECTIVE_TEMPLATES = [
    "Make {area} {quality} for {audience}",
    "Win {audience} with a better {area} experience",
    "Turn {area} into a growth engine",
    "Build the foundations for {area} at ten times today's scale",
    "Earn the trust of {audience} in {area}",
    "Cut the toil out of {area}",
    "Ship the {area} roadmap that {audience} keep asking for",
    "Become the team {audience} rely on for {area}",
    "Put {area} on a path to profitability",
    "Give {audience} {quality} {area}",
]
OBJECTIVE_TAILS = [
    ", so that {audience} never have to think about it",
    " without growing the on-call load",
    " before the peak season",
    " while keeping costs flat",
    " and prove it with data",
    " across every region we sell in",
    ", as agreed in the {quarter} planning offsite",
]
INCREASING = [  # key, metric, unit, start range, decimals
    ("active-teams", "weekly active teams using {area}", "", (40, 400), 0),
    ("nps", "NPS among {audience}", "", (5, 40), 0),
    ("conversion", "{area} conversion", "%", (2, 12), 1),
    ("arr", "ARR from {area}", "k€", (200, 5000), 0),
    ("coverage", "test coverage of {area}", "%", (35, 70), 0),
    ("adoption", "share of {audience} using {area}", "%", (10, 50), 0),
    ("uptime", "availability of {area}", "%", (99.0, 99.8), 2),
    ("self-serve", "share of {area} requests solved self-serve", "%", (20, 60), 0),
    ("pipeline", "qualified pipeline for {area}", "k€", (500, 8000), 0),
]
DECREASING = [
    ("p95", "p95 latency of {area}", "ms", (300, 2000), 0),
    ("tickets", "weekly support tickets about {area}", "", (80, 900), 0),
    ("churn", "monthly churn of {audience}", "%", (2, 9), 1),
    ("mttr", "mean time to recover for {area}", "min", (45, 240), 0),
    ("cost", "monthly cloud cost of {area}", "k€", (40, 600), 0),
    ("lead-time", "lead time from merge to production for {area}", "h", (24, 120), 0),
    ("bugs", "open P1 bugs in {area}", "", (20, 140), 0),
]
MILESTONES = [
    ("launch", "Launch the new {area} flow to all {audience}"),
    ("migrate", "Migrate {area} off the legacy {legacy} and delete the old code paths"),
    ("runbooks", "Every {area} service has a runbook and an on-call rotation"),
    ("rfc", "Publish the {area} RFC and get sign-off from the architecture group"),
    ("pilot", "Run a paid pilot of {area} with three {audience}"),
    ("hire", "Hire two senior engineers for {area} and complete their onboarding"),
    ("audit", "Pass the external {area} audit with no major findings"),
]
THRESHOLDS = [  # key, title, operator, threshold, decimals
    ("csat", "Keep {area} CSAT at or above {x} every week", ">=", 4.5, 1),
    ("error-budget", "Keep the error budget burn of {area} at or under {x}", "<=", 1.0, 1),
    ("sla", "Answer at least {x}% of {area} tickets within the SLA", ">=", 95, 0),
    ("spend", "Hold {area} spend at or under {x} k€ a month", "<=", 120, 0),
]
LEGACY = ["monolith", "Oracle cluster", "cron box", "PHP admin", "v1 API", "on-prem queue"]
KR_TAILS = [
    " by the end of the quarter",
    " across all regions",
    " without adding headcount",
    " for the top 20 accounts",
    ", measured on the shared dashboard",
]
TAGS = ["reliability", "growth", "cost", "quality", "customers", "hiring", "security", "speed"]

BODY_SENTENCES = [
    "{Audience} tell us that {area} is the part of the product they trust least.",
    "Last quarter we learned that most of the friction in {area} comes from manual steps.",
    "This objective is the {team} contribution to the company goal for {quarter}.",
    "We will measure it on the shared dashboard and review it every Monday.",
    "The work builds on the {area} discovery interviews we ran with {audience}.",
    "If we get this right, {audience} will feel the difference within weeks.",
    "The biggest risk is that {area} depends on teams with their own priorities this quarter.",
    "We keep the scope small on purpose and will say no to anything that does not move the KRs.",
    "See the [planning doc]({wiki}) for the options we considered and why we picked this one.",
    "Support volume for {area} has doubled since the spring, and most of it is avoidable.",
    "We agreed with {partner} to share one roadmap for the overlapping work.",
    "Nothing here needs new headcount; it needs focus.",
    "The **committed** parts are marked as such; the rest is a stretch we will grade honestly.",
    "Progress is reported in the weekly check-in and discussed in the monthly business review.",
    "Tracking issue: [{issue}]({issue_url}).",
]
CHECKIN_SENTENCES = [
    "This week we shipped the first slice of the {area} work to internal users.",
    "We closed {n} of the open issues and the backlog is finally shrinking.",
    "The migration is blocked on a schema change that {partner} owns; we meet them on {weekday}.",
    "Numbers moved in the right direction, but part of it is seasonal.",
    "Two people were out sick, so the rollout slipped by a few days.",
    "The experiment on {area} reached significance: a small but real lift.",
    "We paused the dashboard work to fix an incident in {area} ([postmortem]({wiki})).",
    "Next week: finish the rollout, then start on the second KR.",
    "Confidence is lower than last week because the vendor has not answered yet.",
    "We are on track for the milestone and have started the follow-up work.",
    "Customer calls this week confirmed that {audience} care most about {area}.",
    "Hiring: one offer accepted, one still open.",
    "**Blocker:** we still need a decision on the {area} pricing change.",
    "See [{issue}]({issue_url}) for the details.",
]
UPDATE_NOTES = [
    "dip after the holiday weekend",
    "measured on the new dashboard",
    "partial rollout, 30% of traffic",
    "waiting for the vendor fix",
    "one large customer churned",
    "better than expected after the release",
    "blocked on a schema change",
]
RETRO_SENTENCES = [
    "We underestimated the {area} migration; next time we split it into smaller milestones.",
    "The committed KRs landed; the stretch ones taught us where {area} really hurts.",
    "Most of the gain came in the last three weeks, after the {partner} dependency cleared.",
    "We measured the wrong thing at first and switched dashboards in week four.",
    "Scope creep from {audience} requests cost us most of a month.",
    "Pairing with {partner} worked well and we will keep doing it.",
]
ISSUE_PREFIXES = ["PAY", "PLAT", "GROW", "SRCH", "OPS", "SEC", "DATA", "MOB"]


# ---------------------------------------------------------------------------------------
# Plan: the org, and per cycle every objective and KR, before anything is written


@dataclass
class Person:
    id: str
    name: str
    team: str


@dataclass
class Team:
    id: str
    name: str
    parent: str | None
    level: str  # company | department | team
    area: str
    people: list[Person] = field(default_factory=list)
    checkin_weekday: int = 0
    confidence_style: str = "word"  # word | float | int
    stale: bool = False


@dataclass
class KeyResult:
    id: str
    kind: str  # increasing | decreasing | milestone | threshold | linked
    title: str
    start: float | None = None
    target: float | str | None = None
    unit: str = ""
    decimals: int = 0
    owner: str | None = None
    linked: str | None = None  # `owner/slug` of the objective it takes its progress from
    attainment: float = 0.7  # final progress this KR reaches at the end of its cycle
    shape: float = 1.0  # progress curve exponent: progress(f) = attainment * f ** shape
    done_at: float | None = None  # milestone: cycle fraction at which it is done


@dataclass
class Objective:
    owner: str
    slug: str
    title: str
    body: str
    parent: str | None = None
    kind: str = "aspirational"
    tags: list[str] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # `owner/slug` of aligned objectives


@dataclass(frozen=True)
class Cycle:
    id: str
    start: dt.date
    end: dt.date
    running: bool


@dataclass
class SiteStats:
    """What `generate_site` wrote."""

    teams: int = 0
    departments: int = 0
    people: int = 0
    cycles: int = 0
    objectives: int = 0
    key_results: int = 0
    checkins: int = 0
    files: int = 0
    bytes: int = 0
    today: str = ""
    seconds: float = 0.0


def slugify(text: str, max_words: int = 6, max_len: int = 48) -> str:
    """ASCII slug of the first words of `text`, links and punctuation dropped."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text.lower())[:max_words]
    return "-".join(words)[:max_len].strip("-") or "x"


def unique(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is not taken yet; marks it taken."""
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def unique_name(base: str, taken: set[str]) -> str:
    """`base`, or `base 2`, `base 3`, ... whichever is not taken yet; marks it taken."""
    name, n = base, 2
    while name in taken:
        name, n = f"{base} {n}", n + 1
    taken.add(name)
    return name


def quarter_cycles(count: int, today_offset_days: int) -> tuple[list[Cycle], dt.date]:
    """`count` calendar quarters from FIRST_YEAR-Q1; the last is running at the returned today."""
    cycles = []
    for i in range(count):
        year, q = FIRST_YEAR + i // 4, i % 4 + 1
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + q // 4, 3 * q % 12 + 1, 1) - dt.timedelta(days=1)
        cycles.append(Cycle(f"{year}-Q{q}", start, end, running=i == count - 1))
    last = cycles[-1]
    today = min(last.start + dt.timedelta(days=today_offset_days), last.end)
    return cycles, today


def department_count(teams: int) -> int:
    return max(1, round(teams / TEAMS_PER_DEPARTMENT))


def teams_for_objectives(objectives: int, cycles: int, objectives_per_team: int = 4) -> int:
    """How many teams make about `objectives` objectives over `cycles` cycles."""
    owners = objectives / (cycles * objectives_per_team)
    return max(1, round((owners - 1) / (1 + 1 / TEAMS_PER_DEPARTMENT)))


def plan_org(teams: int, seed: int) -> list[Team]:
    """The company, its departments and teams (in that order), each with a few people."""
    rng = random.Random(f"{seed}/org")
    taken: set[str] = set()
    company_name = rng.choice(COMPANY_NAMES)
    company = Team(unique(slugify(company_name), taken), company_name, None, "company", "strategy")
    org = [company]
    depts = []
    for i in range(department_count(teams)):
        base, round_ = DEPARTMENTS[i % len(DEPARTMENTS)], i // len(DEPARTMENTS)
        name = base if round_ == 0 else f"{base} {REGIONS[(round_ - 1) % len(REGIONS)]}"
        if round_ > len(REGIONS):
            name += f" {round_}"
        depts.append(
            Team(unique(slugify(name), taken), name, company.id, "department", base.lower())
        )
    org += depts
    names: set[str] = set()
    for i in range(teams):
        area = rng.choice(AREAS)
        name = unique_name(f"{area[0].upper()}{area[1:]} {rng.choice(TEAM_SUFFIXES)}", names)
        org.append(Team(unique(slugify(name), taken), name, depts[i % len(depts)].id, "team", area))
    for team in org:
        size = {"company": 3, "department": rng.randint(2, 3), "team": rng.randint(3, 6)}
        for _ in range(size[team.level]):
            full = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            team.people.append(Person(unique(slugify(full), taken), full, team.id))
        team.checkin_weekday = rng.randrange(5)
        team.confidence_style = rng.choices(["word", "float", "int"], [6, 3, 1])[0]
        team.stale = team.level == "team" and rng.random() < STALE_OWNER_CHANCE
    return org


class TextMaker:
    """Realistic-looking titles, bodies and notes from the word lists, driven by one rng."""

    def __init__(self, rng: random.Random, team: Team, team_names: list[str], cycle: Cycle):
        self.rng = rng
        self.team = team
        self.team_names = team_names
        self.cycle = cycle

    def issue(self) -> tuple[str, str]:
        key = f"{self.rng.choice(ISSUE_PREFIXES)}-{self.rng.randint(100, 9999)}"
        return key, f"https://jira.example.com/browse/{key}"

    def slots(self) -> dict[str, str]:
        rng = self.rng
        issue, issue_url = self.issue()
        audience = rng.choice(AUDIENCES)
        partner = rng.choice(self.team_names)
        return {
            "area": self.team.area if rng.random() < 0.6 else rng.choice(AREAS),
            "audience": audience,
            "Audience": audience[0].upper() + audience[1:],
            "quality": rng.choice(QUALITIES),
            "team": self.team.name,
            "partner": partner,
            "quarter": self.cycle.id,
            "weekday": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday"]),
            "n": str(rng.randint(3, 40)),
            "legacy": rng.choice(LEGACY),
            "issue": issue,
            "issue_url": issue_url,
            "wiki": f"https://wiki.example.com/{self.team.id}/{rng.randint(1000, 99999)}",
        }

    def fit(self, head: str, tails: list[str], lo: int = 40, hi: int = 200) -> str:
        """`head` plus tails until it is at least `lo` long, never over `hi`."""
        text = head
        for tail in tails:
            if len(text) >= lo and self.rng.random() < 0.5:
                break
            if len(text) + len(tail) <= hi:
                text += tail
        if len(text) < lo:
            text += " across every product line we run today"[: max(0, hi - len(text))]
        return text[:hi]

    def link_tail(self) -> str:
        issue, url = self.issue()
        return f" ([{issue}]({url}))"

    def objective_title(self) -> str:
        s = self.slots()
        tails = [self.rng.choice(OBJECTIVE_TAILS).format(**s)]
        if self.rng.random() < 0.2:
            tails.append(self.link_tail())
        return self.fit(self.rng.choice(OBJECTIVE_TEMPLATES).format(**s), tails)

    def kr_title(self, head: str) -> str:
        tails = [self.rng.choice(KR_TAILS)]
        if self.rng.random() < 0.25:
            tails.append(self.link_tail())
        return self.fit(head, tails)

    def paragraph(self, bank: list[str], lo: int = 2, hi: int = 5) -> str:
        picked = self.rng.sample(bank, self.rng.randint(lo, hi))
        return " ".join(sentence.format(**self.slots()) for sentence in picked)

    def body(self, bank: list[str]) -> str:
        paras = [self.paragraph(bank) for _ in range(self.rng.randint(1, 3))]
        if self.rng.random() < 0.15:
            items = [f"- {self.rng.choice(bank).format(**self.slots())}" for _ in range(3)]
            paras.insert(1, "What we will watch:\n\n" + "\n".join(items))
        return "\n\n".join(paras)


def make_key_result(text: TextMaker, kr_ids: set[str], people: list[Person]) -> KeyResult:
    """One non-linked KR of a random kind, with its numbers and its trajectory."""
    rng = text.rng
    s = text.slots()
    kind = rng.choices(["increasing", "decreasing", "milestone", "threshold"], [35, 25, 25, 15])[0]
    attainment = max(0.0, min(1.25, rng.gauss(0.72, 0.28)))
    kr = KeyResult("", kind, "", attainment=attainment, shape=rng.uniform(0.6, 1.6))
    if kind in ("increasing", "decreasing"):
        key, metric, unit, (lo, hi), decimals = rng.choice(
            INCREASING if kind == "increasing" else DECREASING
        )
        start = round(rng.uniform(lo, hi), decimals)
        if key == "uptime":
            target = round(min(99.99, start + rng.uniform(0.05, 0.6)), 2)
        elif kind == "increasing":
            target = round(start * rng.uniform(1.3, 2.5) + 1, decimals)
        else:
            target = round(start * rng.uniform(0.35, 0.75), decimals)
        if target == start:
            target = start + (1 if kind == "increasing" else -1) * 10**-decimals
        verb = "Raise" if kind == "increasing" else "Cut"
        shown = unit if unit in ("%", "k€") else f" {unit}" if unit else ""
        head = f"{verb} {metric.format(**s)} from {fmt(start, decimals)}{shown} to {fmt(target, decimals)}{shown}"
        kr.start, kr.target, kr.unit, kr.decimals = start, target, unit, decimals
    elif kind == "milestone":
        key, head = rng.choice(MILESTONES)
        head = head.format(**s)
        if kr.attainment >= 0.9:
            kr.done_at = rng.uniform(0.35, 1.0)
    else:
        key, title, op, x, decimals = rng.choice(THRESHOLDS)
        head = title.format(x=fmt(x, decimals), **s)
        kr.start, kr.target, kr.decimals = x, f"{op} {fmt(x, decimals)}", decimals
    kr.title = text.kr_title(head[:1].upper() + head[1:])
    # Real files name KRs both ways: a metric slug (`#p95`) or a position (`#kr2`).
    kr.id = unique(key if rng.random() < 0.6 else f"kr{len(kr_ids) + 1}", kr_ids)
    if rng.random() < 0.3:
        kr.owner = rng.choice(people).id
    return kr


def make_objective(text: TextMaker, slugs: set[str], kr_count: int) -> Objective:
    rng = text.rng
    title = text.objective_title()
    slug = unique(slugify(title), slugs | {"checkins"})
    slugs.add(slug)
    obj = Objective(text.team.id, slug, title, text.body(BODY_SENTENCES))
    if rng.random() < 0.2:
        obj.kind = "committed"
    if rng.random() < 0.4:
        obj.tags = sorted(rng.sample(TAGS, rng.randint(1, 2)))
    kr_ids: set[str] = set()
    obj.key_results = [make_key_result(text, kr_ids, text.team.people) for _ in range(kr_count)]
    return obj


def link_key_result(kr: KeyResult, child: Objective, teams: dict[str, Team]) -> None:
    """Turn `kr` into a KR whose progress comes from the aligned objective `child`."""
    plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", child.title)
    kr.kind, kr.linked = "linked", f"{child.owner}/{child.slug}"
    kr.title = f"{teams[child.owner].name} delivers: {plain}"[:200]
    kr.start = kr.target = None
    kr.unit, kr.done_at = "", None


def plan_cycle(
    cycle: Cycle, org: list[Team], counts: dict[str, int], seed: int
) -> dict[str, list[Objective]]:
    """Every objective of `cycle` per owner: company first, then departments, then teams."""
    teams = {t.id: t for t in org}
    names = [t.name for t in org]
    plan: dict[str, list[Objective]] = {}
    for team in org:
        rng = random.Random(f"{seed}/{cycle.id}/{team.id}/objectives")
        text = TextMaker(rng, team, names, cycle)
        slugs: set[str] = set()
        objectives = [
            make_objective(text, slugs, rng.randint(3, 4)) for _ in range(counts[team.id])
        ]
        parents = plan.get(team.parent or "", [])
        for obj in objectives:
            if not parents:
                continue
            up = rng.choice(parents)
            if team.level == "department" and up.key_results:
                kr = rng.choice(up.key_results)
                obj.parent = f"{up.owner}/{up.slug}#{kr.id}"
            elif rng.random() < 0.9:
                krs = [k for k in up.key_results if k.kind != "linked"]
                if krs and rng.random() < 0.12:
                    obj.parent = f"{up.owner}/{up.slug}#{rng.choice(krs).id}"
                else:
                    obj.parent = f"{up.owner}/{up.slug}"
            if obj.parent:
                up.children.append(f"{obj.owner}/{obj.slug}")
        plan[team.id] = objectives
        # Now that this owner's children exist, link one KR of some of its parents' objectives
        # (at most one linked KR per objective, as in real cascades).
        by_ref = {f"{o.owner}/{o.slug}": o for o in objectives}
        for up in parents:
            mine = [c for c in up.children if c in by_ref]
            if any(k.kind == "linked" for k in up.key_results):
                continue
            if mine and rng.random() < 0.5:
                child = by_ref[rng.choice(mine)]
                targets = [k for k in up.key_results if k.kind != "linked"]
                if len(targets) > 1:
                    link_key_result(rng.choice(targets), child, teams)
    return plan


def objective_counts(
    org: list[Team], cycles: list[Cycle], per_team: int, seed: int, total: int | None
) -> dict[tuple[str, str], int]:
    """Objectives per (cycle, owner): per_team +-1 at random, or exactly `total` spread evenly."""
    slots = [(c.id, t.id) for c in cycles for t in org]
    rng = random.Random(f"{seed}/objective-counts")
    if total is None:
        return {s: max(1, per_team + rng.choice([-1, 0, 0, 1])) for s in slots}
    base, extra = divmod(total, len(slots))
    lucky = set(rng.sample(range(len(slots)), extra))
    return {s: base + (i in lucky) for i, s in enumerate(slots)}


# ---------------------------------------------------------------------------------------
# Check-ins


def weekly_dates(team: Team, cycle: Cycle, last: dt.date, rng: random.Random) -> list[dt.date]:
    """The owner's check-in days in `cycle` up to `last`: weekly, a few weeks skipped."""
    if team.stale and cycle.running:
        last = last - dt.timedelta(days=STALE_DAYS)
    day = cycle.start + dt.timedelta(days=(team.checkin_weekday - cycle.start.weekday()) % 7)
    dates = []
    while day <= last:
        if rng.random() >= SKIP_WEEK_CHANCE:
            dates.append(day)
        day += dt.timedelta(days=7)
    return dates


def spread_dates(first: dt.date, last: dt.date, n: int) -> list[dt.date]:
    """`n` distinct days spread evenly over first..last (n is at most the number of days)."""
    days = (last - first).days + 1
    return [first + dt.timedelta(days=(2 * i + 1) * days // (2 * n)) for i in range(n)]


def checkin_counts(
    org: list[Team], cycles: list[Cycle], today: dt.date, total: int, seed: int
) -> dict[tuple[str, str], int]:
    """Exactly `total` check-ins over (cycle, owner), in proportion to the days each cycle has."""
    window = {c.id: (min(c.end, today) - c.start).days + 1 for c in cycles}
    slots = [(c.id, t.id) for c in cycles for t in org]
    capacity = sum(window[c] for c, _ in slots)
    if total > capacity:
        raise ValueError(
            f"{total} check-ins do not fit: at most one per owner and day ({capacity})"
        )
    share = [total * window[c] / capacity for c, _ in slots]
    counts = [math.floor(x) for x in share]
    rng = random.Random(f"{seed}/checkin-counts")
    order = sorted(range(len(slots)), key=lambda i: (counts[i] - share[i], rng.random()))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return dict(zip(slots, counts))


def progress_at(kr: KeyResult, f: float, rng: random.Random) -> float:
    return kr.attainment * f**kr.shape + rng.gauss(0, 0.03) * f


def update_value(kr: KeyResult, f: float, rng: random.Random, note_chance: float) -> str:
    """The YAML value of one check-in update of `kr` at cycle fraction `f`."""
    if kr.kind == "milestone":
        if kr.done_at is not None and f >= kr.done_at:
            return "{done: true}"
        pct = int(min(0.9, max(0.0, progress_at(kr, f, rng))) * 10) * 10
        return f"{{progress: {pct}%}}"
    if kr.kind == "threshold":
        x = float(kr.start or 0)
        holds = rng.random() < 0.85
        above = str(kr.target).startswith(">=") == holds
        step = max(abs(x) * rng.uniform(0.01, 0.08), 10**-kr.decimals)
        value = fmt(x + step if above else x - step, kr.decimals)
    else:
        start, target = float(kr.start or 0), float(kr.target or 0)
        number = start + (target - start) * progress_at(kr, f, rng)
        value = fmt(min(number, 100.0) if kr.unit == "%" else max(number, 0.0), kr.decimals)
    if rng.random() < note_chance:
        confidence = rng.choice(["low", "medium", "high"])
        return f"{{value: {value}, confidence: {confidence}, note: {q(rng.choice(UPDATE_NOTES))}}}"
    return value


def confidence_value(style: str, mean_attainment: float, rng: random.Random) -> str:
    level = max(0.0, min(1.0, mean_attainment + rng.gauss(0, 0.15)))
    if style == "float":
        return f"{level:.1f}"
    if style == "int":
        return str(max(1, min(10, round(level * 10))))
    return "low" if level < 0.45 else "medium" if level < 0.75 else "high"


def checkin_text(
    team: Team,
    cycle: Cycle,
    day: dt.date,
    objectives: list[Objective],
    rng: random.Random,
    team_names: list[str],
) -> str:
    f = ((day - cycle.start).days + 1) / ((cycle.end - cycle.start).days + 1)
    updates = []
    krs = [kr for o in objectives for kr in o.key_results if kr.kind != "linked"]
    for obj in objectives:
        for kr in obj.key_results:
            if kr.kind != "linked":
                updates.append(f"  {obj.slug}#{kr.id}: {update_value(kr, f, rng, 0.15)}")
    author = team.people[0] if rng.random() < 0.5 else rng.choice(team.people)
    mean = sum(k.attainment for k in krs) / len(krs) if krs else 0.7
    lines = [
        "---",
        f"date: {day.isoformat()}",
        f"author: {author.id}",
        f"confidence: {confidence_value(team.confidence_style, mean, rng)}",
    ]
    lines += ["updates:", *updates] if updates else []
    note = TextMaker(rng, team, team_names, cycle).body(CHECKIN_SENTENCES)
    return "\n".join(lines) + "\n---\n" + note + "\n"


# ---------------------------------------------------------------------------------------
# Writing


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def objective_score(obj: Objective) -> float:
    krs = [k for k in obj.key_results if k.kind != "linked"] or obj.key_results
    if not krs:
        return 0.0
    values = [1.0 if k.done_at is not None else min(1.0, max(0.0, k.attainment)) for k in krs]
    return round(sum(values) / len(values), 1)


def objective_text(obj: Objective, cycle: Cycle, text: TextMaker) -> str:
    rng = text.rng
    lines = ["---", f"title: {q(obj.title)}"]
    if obj.parent:
        lines.append(f"parent: {obj.parent}")
    if obj.kind != "aspirational":
        lines.append(f"kind: {obj.kind}")
    if obj.tags:
        lines.append(f"tags: [{', '.join(obj.tags)}]")
    if not cycle.running:
        lines.append(f"score: {objective_score(obj)}")
        if rng.random() < 0.3:
            lines.append(f"retrospective: {q(text.paragraph(RETRO_SENTENCES, 1, 3))}")
    if rng.random() < 0.05:
        day = cycle.start + dt.timedelta(days=rng.randint(20, 40))
        lines += [
            "changes:",
            f"  - {{date: {day.isoformat()}, change: {q('Lowered the first target')}, why: {q('a key dependency slipped')}}}",
        ]
    lines.append("key_results:")
    for kr in obj.key_results:
        lines += [f"  - id: {kr.id}", f"    title: {q(kr.title)}"]
        if kr.kind == "linked":
            lines.append(f"    objective: {kr.linked}")
        elif kr.kind == "threshold":
            lines.append(f"    target: {q(str(kr.target))}")
        elif kr.kind in ("increasing", "decreasing"):
            lines += [
                f"    start: {fmt(float(kr.start or 0), kr.decimals)}",
                f"    target: {fmt(float(kr.target or 0), kr.decimals)}",
            ]
            if kr.unit:
                lines.append(f"    unit: {q(kr.unit)}")
        if kr.owner:
            lines.append(f"    owner: {kr.owner}")
    return "\n".join(lines) + "\n---\n" + obj.body + "\n"


def org_text(org: list[Team]) -> str:
    lines = ["# Synthetic org chart written by benchmarks/generate.py", "teams:"]
    for t in org:
        attrs = [f"name: {q(t.name)}"]
        if t.parent:
            attrs.append(f"parent: {t.parent}")
        if t.people:
            attrs.append(f"lead: {t.people[0].id}")
        lines.append(f"  {t.id}: {{{', '.join(attrs)}}}")
    lines.append("people:")
    for t in org:
        for p in t.people:
            lines.append(f"  {p.id}: {{name: {q(p.name)}, team: {p.team}}}")
    return "\n".join(lines) + "\n"


def cycle_text(cycle: Cycle) -> str:
    q_no, year = cycle.id[-1], cycle.id[:4]
    lines = [
        "---",
        f"title: {q(f'Q{q_no} {year}')}",
        f"theme: {q('Focus on fewer, bigger bets')}",
        "---",
    ]
    body = (
        "We are in the middle of this cycle; check-ins are weekly."
        if cycle.running
        else "What we learned: we set too many committed objectives and graded them late."
    )
    return "\n".join(lines) + "\n" + body + "\n"


class Writer:
    """Writes files under one root and counts them."""

    def __init__(self, root: Path):
        self.root = root
        self.files = 0
        self.bytes = 0
        self.made: set[Path] = set()

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        if path.parent not in self.made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made.add(path.parent)
        data = text.encode("utf-8")
        path.write_bytes(data)
        self.files += 1
        self.bytes += len(data)


def prepare_out(out: Path) -> None:
    """Empty `out`, refusing to delete a folder that is not a generated site."""
    if out.exists() and any(out.iterdir()):
        if not (out / "site.toml").exists():
            raise ValueError(f"{out} is not empty and holds no site.toml; not deleting it")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def generate_site(
    out: Path,
    teams: int,
    cycles: int,
    seed: int = 1,
    objectives_per_team: int = 4,
    *,
    objectives: int | None = None,
    checkins: int | None = None,
    today_offset_days: int = TODAY_OFFSET_DAYS,
) -> SiteStats:
    """Write a synthetic okrsite site to `out` (emptied first) and return what it holds.

    `objectives` / `checkins` make exactly that many objectives / check-in files instead of
    `objectives_per_team` per owner and cycle / one check-in per owner and week.
    """
    if teams < 1 or cycles < 1:
        raise ValueError("teams and cycles must be at least 1")
    t0 = time.perf_counter()
    out = Path(out)
    prepare_out(out)
    org = plan_org(teams, seed)
    names = [t.name for t in org]
    cycle_list, today = quarter_cycles(cycles, today_offset_days)
    obj_counts = objective_counts(org, cycle_list, objectives_per_team, seed, objectives)
    ci_counts = (
        checkin_counts(org, cycle_list, today, checkins, seed) if checkins is not None else None
    )

    w = Writer(out)
    company = org[0]
    w.write(
        "site.toml",
        "\n".join(
            [
                "# Synthetic site written by benchmarks/generate.py",
                f"title = {q(company.name + ' OKRs')}",
                'base_url = "/"',
                'language = "en"',
                f'today = "{today.isoformat()}"',
            ]
        )
        + "\n",
    )
    w.write("content/org.yaml", org_text(org))
    stats = SiteStats(
        teams=teams,
        departments=sum(t.level == "department" for t in org),
        people=sum(len(t.people) for t in org),
        cycles=cycles,
        today=today.isoformat(),
    )
    for cycle in cycle_list:
        counts = {t.id: obj_counts[(cycle.id, t.id)] for t in org}
        plan = plan_cycle(cycle, org, counts, seed)
        w.write(f"content/{cycle.id}/_cycle.md", cycle_text(cycle))
        last = min(cycle.end, today)
        for team in org:
            rng = random.Random(f"{seed}/{cycle.id}/{team.id}/write")
            text = TextMaker(rng, team, names, cycle)
            for obj in plan[team.id]:
                w.write(
                    f"content/{cycle.id}/{team.id}/{obj.slug}.md", objective_text(obj, cycle, text)
                )
                stats.objectives += 1
                stats.key_results += len(obj.key_results)
            if ci_counts is None:
                days = weekly_dates(team, cycle, last, rng)
            else:
                days = spread_dates(cycle.start, last, ci_counts[(cycle.id, team.id)])
            for day in days:
                checkin = checkin_text(team, cycle, day, plan[team.id], rng, names)
                w.write(f"content/{cycle.id}/{team.id}/checkins/{day.isoformat()}.md", checkin)
                stats.checkins += 1
    stats.files, stats.bytes = w.files, w.bytes
    stats.seconds = time.perf_counter() - t0
    return stats


def iter_lines(stats: SiteStats) -> Iterator[str]:
    yield (
        f"{stats.teams} teams, {stats.departments} departments, {stats.people} people, "
        f"{stats.cycles} cycles (today = {stats.today})"
    )
    yield (
        f"{stats.objectives} objectives, {stats.key_results} key results, "
        f"{stats.checkins} check-ins"
    )
    yield (
        f"{stats.files} files, {stats.bytes / 1e6:.1f} MB in {stats.seconds:.1f} s "
        f"({stats.files / max(stats.seconds, 1e-9):.0f} files/s)"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out", type=Path, help="folder to write the site to (emptied first)")
    ap.add_argument("--teams", type=int, help="teams under the departments (default 50)")
    ap.add_argument("--cycles", type=int, default=4, help="quarters from 2025-Q1 (default 4)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--objectives-per-team", type=int, default=4)
    ap.add_argument("--objectives", type=int, help="make exactly N objectives")
    ap.add_argument("--checkins", type=int, help="make exactly M check-in files")
    ap.add_argument("--json", action="store_true", help="print the counts as JSON")
    a = ap.parse_args(argv)
    teams = a.teams
    if teams is None:
        teams = (
            teams_for_objectives(a.objectives, a.cycles, a.objectives_per_team)
            if a.objectives
            else 50
        )
    try:
        stats = generate_site(
            a.out,
            teams,
            a.cycles,
            a.seed,
            a.objectives_per_team,
            objectives=a.objectives,
            checkins=a.checkins,
        )
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(stats.__dict__, indent=2))
    else:
        print("\n".join(iter_lines(stats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The alignment graph: layout properties, graph queries and the SVG it draws."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from okrsite.cascade import (
    CascadeEdge,
    CascadeLabels,
    CascadeLayout,
    CascadeNode,
    NodeCard,
    branch,
    cascade_svg,
    layout_cascade,
)

SVG = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- fixtures


def org_cascade(n: int, seed: int = 7) -> tuple[list[CascadeNode], list[CascadeEdge]]:
    """A company → departments → teams → individuals cascade with some second parents,
    some skip-level alignments and some lone objectives."""
    rnd = random.Random(seed)
    counts = [max(1, n // 200), max(2, n // 40), max(4, n // 8)]
    counts.append(n - sum(counts))
    nodes: list[CascadeNode] = []
    edges: list[CascadeEdge] = []
    by_level: list[list[str]] = [[] for _ in range(4)]
    for level, count in enumerate(counts):
        for i in range(count):
            node_id = f"2026-Q4/l{level}-{i:04d}/objective"
            parents: list[str] = []
            if level and rnd.random() > 0.03:
                up = (
                    rnd.randrange(0, level - 1) if level >= 2 and rnd.random() < 0.02 else level - 1
                )
                pool = by_level[up]
                parents.append(pool[min(len(pool) - 1, i * len(pool) // count)])
                extra = rnd.choice(by_level[level - 1])
                if rnd.random() < 0.05 and extra not in parents:
                    parents.append(extra)
            for parent in parents:
                kr = f"kr{rnd.randint(1, 3)}" if rnd.random() < 0.6 else None
                edges.append(CascadeEdge(node_id, parent, kr))
            nodes.append(CascadeNode(node_id, level, tuple(parents), order=len(nodes)))
            by_level[level].append(node_id)
    return nodes, edges


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[CascadeNode], list[CascadeEdge]]:
    """Random acyclic alignment graphs: edges only go from earlier to later nodes."""
    n = draw(st.integers(min_value=0, max_value=40))
    levels = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    edges: list[CascadeEdge] = []
    for child in range(1, n):
        count = draw(st.integers(0, 2))
        for parent in draw(st.lists(st.integers(0, child - 1), max_size=count, unique=True)):
            kr = draw(st.sampled_from([None, "kr1", "kr2"]))
            edges.append(CascadeEdge(f"n{child}", f"n{parent}", kr))
    nodes = [
        CascadeNode(
            f"n{i}",
            levels[i],
            tuple(e.parent for e in edges if e.child == f"n{i}"),
            order=draw(st.integers(0, 5)),
        )
        for i in range(n)
    ]
    return nodes, edges


def assert_sound(layout: CascadeLayout, nodes: list[CascadeNode], edges: list[CascadeEdge]) -> None:
    boxes = {b.id: b for b in layout.boxes}
    assert sorted(boxes) == sorted(n.id for n in nodes)
    # no two boxes overlap
    ordered = sorted(layout.boxes, key=lambda b: (b.x, b.y))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.x >= a.x + a.width:
                break
            assert b.y >= a.y + a.height or a.y >= b.y + b.height, (a, b)
    # layers: at least the level, below every parent, drawn below every parent
    levels = {n.id: n.level for n in nodes}
    for box in layout.boxes:
        assert box.layer >= levels[box.id]
        assert 0 <= box.x and box.x + box.width <= layout.width + 1e-6
        assert 0 <= box.y and box.y + box.height <= layout.height + 1e-6
    for edge in edges:
        parent, child = boxes[edge.parent], boxes[edge.child]
        assert child.layer > parent.layer
        assert child.y >= parent.y + parent.height


# --------------------------------------------------------------------------- layout


@settings(max_examples=150, deadline=None)
@given(dags())
def test_layout_has_no_overlaps_and_parents_above_children(graph):
    nodes, edges = graph
    layout = layout_cascade(nodes, edges)
    assert_sound(layout, nodes, edges)
    routed = {(r.child, r.parent) for r in layout.edges}
    assert routed == {(e.child, e.parent) for e in edges}


@settings(max_examples=60, deadline=None)
@given(dags(), st.randoms(use_true_random=False))
def test_layout_does_not_depend_on_input_order(graph, rnd):
    nodes, edges = graph
    shuffled_nodes, shuffled_edges = list(nodes), list(edges)
    rnd.shuffle(shuffled_nodes)
    rnd.shuffle(shuffled_edges)
    assert layout_cascade(nodes, edges) == layout_cascade(shuffled_nodes, shuffled_edges)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n),
        )
    )
)
def test_any_graph_even_with_cycles_lays_out_soundly(graph):
    n, pairs = graph
    nodes = [CascadeNode(f"n{i}", i % 4) for i in range(n)]
    edges = [CascadeEdge(f"n{c}", f"n{p}") for c, p in pairs]
    layout = layout_cascade(nodes, edges)
    kept = [e for e in edges if (e.child, e.parent) in {(r.child, r.parent) for r in layout.edges}]
    assert_sound(layout, nodes, kept)
    assert {(e.child, e.parent) for e in kept} == {(r.child, r.parent) for r in layout.edges}


def test_edge_routes_start_at_the_parent_and_end_at_the_child():
    nodes, edges = org_cascade(120)
    layout = layout_cascade(nodes, edges)
    boxes = {b.id: b for b in layout.boxes}
    for route in layout.edges:
        parent, child = boxes[route.parent], boxes[route.child]
        (x0, y0), (x1, y1) = route.points[0], route.points[-1]
        assert x0 == parent.x + parent.width / 2 and y0 == parent.y + parent.height
        assert (
            child.x - 30 <= x1 <= child.x + child.width and child.y <= y1 <= child.y + child.height
        )
        ys = [y for _, y in route.points]
        assert ys == sorted(ys)  # edges only run downwards


def test_a_node_is_drawn_in_a_layer_at_least_its_level():
    nodes = [CascadeNode("company", 0), CascadeNode("person", 3, ("company",))]
    layout = layout_cascade(nodes, [CascadeEdge("person", "company", "kr1")])
    company, person = sorted(layout.boxes, key=lambda b: b.layer)
    assert (company.layer, person.layer) == (0, 3)
    # the empty layers 1 and 2 take no room
    assert person.y == company.y + company.height + 56


def test_a_forest_of_lone_objectives_wraps_into_shelves():
    nodes = [CascadeNode(f"lone-{i:03d}", 3) for i in range(500)]
    layout = layout_cascade(nodes, [])
    assert_sound(layout, nodes, [])
    assert layout.width < 10_000 and layout.height < 10_000


def test_leaves_under_one_parent_are_stacked_in_a_column():
    parent = CascadeNode("team", 2)
    leaves = [CascadeNode(f"p{i}", 3, ("team",), order=i) for i in range(5)]
    edges = [CascadeEdge(leaf.id, "team") for leaf in leaves]
    layout = layout_cascade([parent, *leaves], edges)
    assert_sound(layout, [parent, *leaves], edges)
    xs = {b.x for b in layout.boxes if b.id != "team"}
    assert len(xs) == 1
    column = sorted((b for b in layout.boxes if b.id != "team"), key=lambda b: b.y)
    assert [b.id for b in column] == ["p0", "p1", "p2", "p3", "p4"]  # org order
    flat = layout_cascade([parent, *leaves], edges, stack_leaves=False)
    assert len({b.x for b in flat.boxes if b.id != "team"}) == 5


def test_cycles_unknown_nodes_and_self_loops_do_not_break_the_layout():
    nodes = [CascadeNode("a", 0), CascadeNode("b", 1), CascadeNode("c", 2)]
    edges = [
        CascadeEdge("b", "a"),
        CascadeEdge("c", "b"),
        CascadeEdge("a", "c"),  # closes a cycle: left out
        CascadeEdge("c", "c"),
        CascadeEdge("c", "ghost"),
    ]
    layout = layout_cascade(nodes, edges)
    assert {b.id for b in layout.boxes} == {"a", "b", "c"}
    assert {(r.child, r.parent) for r in layout.edges} == {("b", "a"), ("c", "b")}


def test_parents_without_edges_count_and_duplicate_edges_merge():
    nodes = [CascadeNode("co", 0), CascadeNode("dept", 1, ("co",)), CascadeNode("team", 2)]
    edges = [CascadeEdge("team", "dept", "kr2"), CascadeEdge("team", "dept", "kr1")]
    layout = layout_cascade(nodes, edges)
    routes = {(r.child, r.parent): r for r in layout.edges}
    assert routes[("dept", "co")].krs == ()
    assert routes[("team", "dept")].krs == ("kr1", "kr2")


def test_empty_graph():
    layout = layout_cascade([], [])
    assert layout == CascadeLayout((), (), 0.0, 0.0)
    assert "<svg" in cascade_svg(layout, {}, title="Nothing")


def test_two_thousand_nodes_lay_out():
    nodes, edges = org_cascade(2000)
    layout = layout_cascade(nodes, edges)
    assert_sound(layout, nodes, edges)


# --------------------------------------------------------------------------- queries


def chain_edges() -> list[CascadeEdge]:
    return [
        CascadeEdge("dept", "co"),
        CascadeEdge("team", "dept", "kr1"),
        CascadeEdge("sibling", "dept"),
        CascadeEdge("alice", "team"),
        CascadeEdge("bob", "sibling"),
    ]


def test_branch_is_the_node_with_its_ancestors_and_descendants():
    assert branch("team", chain_edges()) == {"co", "dept", "team", "alice"}
    assert branch("co", chain_edges()) == {"co", "dept", "team", "sibling", "alice", "bob"}
    assert branch("nobody", chain_edges()) == {"nobody"}


def cards_for(nodes: list[CascadeNode]) -> dict[str, NodeCard]:
    statuses = ["on-track", "at-risk", "off-track", "done", "no-data"]
    return {
        n.id: NodeCard(
            title=f"Objective {n.id}",
            owner=f"owner-{i % 7}",
            progress=None if i % 5 == 4 else (i % 11) / 10,
            status=statuses[i % 5],
            status_label=statuses[i % 5].replace("-", " ").capitalize(),
            href=f"../{n.id}/",
            branch_keys=(f"team-{i % 3}",),
        )
        for i, n in enumerate(nodes)
    }


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_svg_has_every_node_once_and_every_edge_as_a_path():
    nodes, edges = org_cascade(150)
    layout = layout_cascade(nodes, edges)
    root = parse(cascade_svg(layout, cards_for(nodes), title="Cascade"))
    drawn = [a.get("data-node") for a in root.iter(f"{SVG}a")]
    assert sorted(drawn) == sorted(n.id for n in nodes)
    paths = [p for p in root.iter(f"{SVG}path") if "edge" in p.get("class", "").split()]
    assert len(paths) == len(layout.edges)
    assert {(p.get("data-child"), p.get("data-parent")) for p in paths} == {
        (r.child, r.parent) for r in layout.edges
    }
    for link in root.iter(f"{SVG}a"):
        assert link.get("href") == f"../{link.get('data-node')}/"


def test_svg_structure_is_accessible_and_scalable():
    nodes, edges = org_cascade(40)
    root = parse(cascade_svg(layout_cascade(nodes, edges), cards_for(nodes), title="Q4 cascade"))
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    assert root.get("role") is None
    assert root.get("data-cascade") is not None
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Q4 cascade"
    assert root.get("aria-labelledby") == title.get("id")


def test_status_is_a_word_and_a_class_and_kr_edges_are_marked():
    nodes = [CascadeNode("co", 0), CascadeNode("team", 1), CascadeNode("solo", 1)]
    edges = [CascadeEdge("team", "co", "revenue"), CascadeEdge("solo", "co")]
    cards = {
        "co": NodeCard("Grow", "CEO", 0.45, "at-risk", "At risk", "co/", ("a", "b")),
        "team": NodeCard("Sell", "Sales", 1.2, "done", "Done", "team/", ("a",)),
        "solo": NodeCard("Think", "Lab", None, "no-data", "No data", "solo/", ("b",)),
    }
    root = parse(cascade_svg(layout_cascade(nodes, edges), cards, title="t"))
    links = {a.get("data-node"): a for a in root.iter(f"{SVG}a")}
    assert links["co"].get("class") == "node status-at-risk"
    status = [t for t in links["co"].iter(f"{SVG}text") if t.get("class") == "node-status"]
    assert status[0].text == "At risk"
    assert links["co"].get("data-branch") == "a b"
    fills = {
        k: [r for r in a.iter(f"{SVG}rect") if r.get("class") == "node-bar-fill"]
        for k, a in links.items()
    }
    bar = next(r for r in links["co"].iter(f"{SVG}rect") if r.get("class") == "node-bar")
    assert float(fills["co"][0].get("width")) == round(0.45 * float(bar.get("width")), 2)
    assert fills["team"][0].get("width") == bar.get("width")  # past 100%: a full bar
    assert fills["solo"] == []  # no data: no bar
    paths = {p.get("data-child"): p for p in root.iter(f"{SVG}path")}
    assert paths["team"].get("class") == "edge edge-kr"
    assert "revenue" in paths["team"].find(f"{SVG}title").text
    assert paths["solo"].get("class") == "edge"
    assert paths["team"].get("data-branch") == "a"  # keys shared by both ends
    assert paths["solo"].get("data-branch") == "b"


def test_text_is_escaped_and_links_are_safe():
    evil = "<script>alert(1)</script>"
    nodes = [CascadeNode("x", 0), CascadeNode('y"><script>', 1, ("x",))]
    cards = {
        "x": NodeCard(evil, evil, 0.5, "on-track", evil, '"><script>alert(2)</script>', (evil,)),
        'y"><script>': NodeCard("ok", "o", 0.1, "off-track", "Off", "javascript:alert(3)"),
    }
    markup = str(cascade_svg(layout_cascade(nodes, []), cards, title=evil))
    assert "<script" not in markup and "javascript:" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == evil
    link = next(root.iter(f"{SVG}a"))
    assert link.get("href") == '"><script>alert(2)</script>'  # an attribute value, escaped
    # the unsafe link is drawn as a plain group, not a link
    assert [a.get("data-node") for a in root.iter(f"{SVG}a")] == ["x"]


def test_no_inline_styles_or_scripts():
    nodes, edges = org_cascade(60)
    markup = str(cascade_svg(layout_cascade(nodes, edges), cards_for(nodes), title="t"))
    root = parse(markup)
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)
        assert element.tag not in (f"{SVG}script", f"{SVG}style")


def test_long_titles_are_cut_with_an_ellipsis_and_kept_whole_in_the_tooltip():
    long_title = "Ship the thing " * 40
    nodes = [CascadeNode("x", 0)]
    cards = {"x": NodeCard(long_title, "Ann", 0.3, "at-risk", "At risk", "x/")}
    root = parse(cascade_svg(layout_cascade(nodes, []), cards, title="t"))
    link = next(root.iter(f"{SVG}a"))
    shown = [span.text for span in link.iter(f"{SVG}tspan")]
    assert len(shown) == 2 and shown[-1].endswith("…")
    assert all(len(line) <= 30 for line in shown)
    assert link.find(f"{SVG}title").text.startswith(long_title.strip())


def test_svg_output_is_byte_identical_across_runs_and_input_orders():
    nodes, edges = org_cascade(300)
    cards = cards_for(nodes)
    first = cascade_svg(layout_cascade(nodes, edges), cards, title="t")
    rnd = random.Random(1)
    rnd.shuffle(nodes)
    rnd.shuffle(edges)
    assert cascade_svg(layout_cascade(nodes, edges), cards, title="t") == first


def test_labels_are_translatable():
    nodes = [CascadeNode("co", 0), CascadeNode("t", 1)]
    labels = CascadeLabels(
        kr_edge="Kopplat till nyckelresultat {kr}",
        zoom_in="Zooma in",
        format_percent=lambda p: f"{round(p * 100)} %",
    )
    cards = {
        "co": NodeCard("Väx", "Vd", 0.5, "on-track", "I fas", "co/"),
        "t": NodeCard("x", "y", None, "no-data", "", "t/"),
    }
    markup = str(
        cascade_svg(
            layout_cascade(nodes, [CascadeEdge("t", "co", "kr1")]), cards, title="t", labels=labels
        )
    )
    assert "Kopplat till nyckelresultat kr1" in markup
    assert 'data-label-zoom-in="Zooma in"' in markup
    assert ">50 %<" in markup


def test_a_node_without_a_card_is_still_drawn():
    layout = layout_cascade([CascadeNode("lonely", 0)], [])
    root = parse(cascade_svg(layout, {}, title="t"))
    groups = [g for g in root.iter(f"{SVG}g") if g.get("data-node") == "lonely"]
    assert len(groups) == 1


# --------------------------------------------------------------------------- memoised drawings


def renamed(nodes: list[CascadeNode], edges: list[CascadeEdge], prefix: str, levels: int = 0):
    """The same graph with other ids (in the same order), orders and, optionally, levels."""
    name = {n.id: f"{prefix}{n.id}" for n in nodes}
    moved = [
        CascadeNode(name[n.id], n.level + levels * n.level, tuple(name[p] for p in n.parents),
                    n.order * 7 - 3)
        for n in nodes
    ]
    return moved, [CascadeEdge(name[e.child], name[e.parent], e.kr) for e in edges]


def test_graphs_of_one_shape_are_drawn_alike_with_their_own_ids_layers_and_krs():
    nodes, edges = org_cascade(40)
    first = layout_cascade(nodes, edges)
    for prefix, levels in (("x/", 0), ("y/", 1)):
        other_nodes, other_edges = renamed(nodes, edges, prefix, levels)
        other = layout_cascade(other_nodes, other_edges)
        assert [(b.x, b.y) for b in other.boxes] == [(b.x, b.y) for b in first.boxes]
        assert [b.id for b in other.boxes] == [prefix + b.id for b in first.boxes]
        assert [b.layer for b in other.boxes] == [b.layer * (1 + levels) for b in first.boxes]
        assert [(r.child, r.parent, r.krs, r.points) for r in other.edges] == [
            (prefix + r.child, prefix + r.parent, r.krs, r.points) for r in first.edges
        ]
    assert layout_cascade(nodes, edges) == first


def test_sibling_order_decides_the_drawing_not_the_order_values():
    def drawn(orders: tuple[int, int]) -> list[str]:
        parent = CascadeNode("p", 0)
        kids = [CascadeNode(k, 1, ("p",), o) for k, o in zip(("a", "b"), orders)]
        grandkids = [CascadeNode(f"{k}1", 2, (k,)) for k in ("a", "b")]
        layout = layout_cascade([parent, *kids, *grandkids], [])
        return [b.id for b in sorted(layout.boxes, key=lambda b: (b.layer, b.x))]

    assert drawn((1, 5)) == drawn((-20, 300)) == ["p", "a", "b", "a1", "b1"]
    assert drawn((5, 1)) == ["p", "b", "a", "b1", "a1"]


def test_sizes_keep_their_type_and_float_orders_are_not_ranked():
    nodes = [CascadeNode("a", 0), CascadeNode("b", 1, ("a",), 1)]
    assert repr(layout_cascade(nodes, [], node_width=200)) != repr(
        layout_cascade(nodes, [], node_width=200.0)
    )
    assert layout_cascade(nodes, [], node_width=200) == layout_cascade(nodes, [], node_width=200.0)
    floats = [CascadeNode("a", 0, (), 0.5), CascadeNode("b", 1, ("a",), float("nan"))]
    assert {b.id for b in layout_cascade(floats, []).boxes} == {"a", "b"}


def test_links_are_judged_alike_memoised_or_not():
    hrefs = {
        "../../a/": True,
        "https://x.example/?a=1&b=2": True,
        "HTTP://X": True,
        "mailto:a@b": True,
        "javascript:alert(1)": False,
        " java\tscript:alert(1)": False,
        "data:text/html,x": False,
        "//[bad": False,  # urlsplit rejects the host
        "": False,
    }
    for _ in range(2):
        for href, safe in hrefs.items():
            nodes = [CascadeNode("x", 0)]
            cards = {"x": NodeCard("t", "o", None, "no-data", "", href)}
            root = parse(cascade_svg(layout_cascade(nodes, []), cards, title="t"))
            links = list(root.iter(f"{SVG}a"))
            assert bool(links) is safe, href


def test_equal_markup_and_str_templates_are_not_mixed_up():
    layout = layout_cascade([CascadeNode("x", 0)], [])
    cards = {"x": NodeCard("t", "<b>", 0.5, "on-track", "On", "x/")}
    for _ in range(2):
        as_text = str(
            cascade_svg(layout, cards, title="t", labels=CascadeLabels(owner="By {owner}"))
        )
        as_markup = str(
            cascade_svg(layout, cards, title="t", labels=CascadeLabels(owner=Markup("By {owner}")))
        )
        assert "By &lt;b&gt;" in as_text and "By &amp;lt;b&amp;gt;" in as_markup

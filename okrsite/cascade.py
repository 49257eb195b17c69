"""The alignment graph of a cycle and its layered layout, drawn as inline SVG: pure, no I/O.

The layout is a Sugiyama layered layout written here, in documented steps:

1. layers: a node's layer is ``max(level, every parent's layer + 1)`` (longest path from the
   roots, floored by the org level); layers without nodes take no room;
2. childless nodes in a component's last layer that share their only parent are stacked in
   a column under it (org-chart style), which makes a 1,000-node cascade ~4x narrower;
3. long edges get a dummy vertex in every layer they cross;
4. crossing reduction: depth-first org-chart order, then barycenter sweeps down and up
   (Sugiyama, Tagawa and Toda 1981) keeping the ordering with the fewest crossings,
   counted in O(E log V) (Barth, Juenger and Mutzel 2002);
5. x coordinates: sweeps that pull each vertex to the weighted mean of its neighbours in
   the layer above or below, each layer solved exactly as a least-squares fit with minimum
   gaps (isotonic regression, pool-adjacent-violators), with Gansner et al.'s edge weights
   (1, 2, 8) so long edges run straight;
6. each connected component is laid out alone, and components are packed in shelves, so a
   forest of lone objectives wraps instead of running off in one row;
7. all of this depends on the graph's shape only (nodes numbered in id order, their rows,
   sibling ranks and parents), so graphs that differ in ids alone share one drawing: the
   neighbourhood graphs of objective pages come in a few dozen shapes and are memoised.

Why not grandalf (measured on the same generated cascades; 2-core machine): its crossing
counts are about the same, but it is 3-4x slower (2,000 nodes: ~195 ms against 50-60 ms),
its output changes with the input order (195 of 200 positions moved when the input was
shuffled), it has no minimum layer (org level), and it lays out components one by one with
no packing or leaf stacking. Here every sort key ends in the node's place in id order, so
the same graph gives the same layout whatever the input order. Measured here: 100 nodes
~2 ms, 1,000 ~21 ms, 2,000 ~45 ms; a forest of 2,000 lone nodes ~40 ms; ``cascade_svg``
about as much again.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from markupsafe import Markup, escape

# --------------------------------------------------------------------------- public data


@dataclass(frozen=True)
class CascadeNode:
    """One objective in the alignment graph."""

    id: str
    level: int
    parents: tuple[str, ...] = ()
    order: int = 0


@dataclass(frozen=True)
class CascadeEdge:
    """The child objective aligns to the parent objective (or to its key result ``kr``)."""

    child: str
    parent: str
    kr: str | None = None


@dataclass(frozen=True)
class NodeBox:
    """Where a node is drawn. ``layer`` is at least the node's level and greater than its
    parents' layers; layers without nodes take no room, so ``y`` follows the layer's rank."""

    id: str
    x: float
    y: float
    width: float
    height: float
    layer: int


@dataclass(frozen=True)
class EdgeRoute:
    """An edge's polyline from the parent's bottom centre to the child.

    A segment that moves both across and down is drawn as an S-curve; level and plumb
    segments (through a crossed row, down a stack's spine) are straight.
    ``krs`` are the parent's key results the child aligns to (empty: the whole objective).
    """

    child: str
    parent: str
    krs: tuple[str, ...]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class CascadeLayout:
    """Boxes in reading order (shelf of components, layer, x), edge routes, and the size."""

    boxes: tuple[NodeBox, ...]
    edges: tuple[EdgeRoute, ...]
    width: float
    height: float


@dataclass(frozen=True)
class NodeCard:
    """What a node shows. ``title`` is plain text (cut to fit, whole in the tooltip);
    ``status`` is a CSS key (``status-<key>``); ``branch_keys`` become the space-separated
    ``data-branch`` the filter in cascade.js matches (a space inside a key becomes "-")."""

    title: str
    owner: str
    progress: float | None
    status: str
    status_label: str
    href: str
    branch_keys: tuple[str, ...] = ()
    current: bool = False  # the objective the page is about: highlighted, aria-current
    owner_key: str = ""  # the owner's branch key, so the filter can zoom to its own nodes


def _format_percent(value: float) -> str:
    return f"{round(value * 100)}%"


@dataclass(frozen=True)
class CascadeLabels:
    """Translatable words of the cascade; ``{name}`` fields are filled in."""

    kr_edge: str = "Aligned to key result {kr}"
    objective_edge: str = "Aligned to the objective"
    owner: str = "Owner: {owner}"
    status: str = "Status: {status}"
    progress: str = "Progress: {progress}"
    no_progress: str = "no data"
    zoom_in: str = "Zoom in"
    zoom_out: str = "Zoom out"
    reset: str = "Reset view"
    format_percent: Callable[[float], str] = _format_percent


# --------------------------------------------------------------------------- graph queries


def branch(node_id: str, edges: Iterable[CascadeEdge]) -> frozenset[str]:
    """The node with all its ancestors and all its descendants."""
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for edge in edges:
        parents.setdefault(edge.child, []).append(edge.parent)
        children.setdefault(edge.parent, []).append(edge.child)
    return frozenset({node_id} | _reach(node_id, parents) | _reach(node_id, children))


def _reach(start: str, links: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in links.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    seen.discard(start)
    return seen


def _merged_edges(
    by_id: Mapping[str, CascadeNode], edges: Iterable[CascadeEdge]
) -> set[tuple[str, str, str | None]]:
    """(child, parent, kr) of the edges between known nodes, plus ``parents`` that no edge
    states, deduplicated."""
    found = {
        (e.child, e.parent, e.kr)
        for e in edges
        if e.child in by_id and e.parent in by_id and e.child != e.parent
    }
    stated = {(c, p) for c, p, _ in found}
    for node in by_id.values():
        for parent in node.parents:
            if parent in by_id and parent != node.id and (node.id, parent) not in stated:
                found.add((node.id, parent, None))
    return found


# --------------------------------------------------------------------------- layout


@dataclass
class _Graph:
    """The input with nodes indexed in id order, so nothing depends on the input order."""

    ids: list[str]
    level: list[int]
    order: list[int]
    parents: list[list[int]]
    children: list[list[int]]
    krs: dict[tuple[int, int], tuple[str, ...]]


@dataclass
class _Layered:
    """One connected component as a proper layered graph.

    A vertex is one node, a stack of leaves under one parent (drawn as a column), or a
    dummy (no members) where a long edge crosses a row.
    """

    members: list[tuple[int, ...]]
    row_of: list[int]
    up: list[list[int]]
    down: list[list[int]]
    sort_key: list[tuple[int, int]]  # sibling order of each vertex: (order, node)
    rows: list[list[int]] = field(default_factory=list)  # vertices of each row, left to right
    chains: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (top, bottom)

    def is_dummy(self, vertex: int) -> bool:
        return not self.members[vertex]


@dataclass(frozen=True)
class _Sizes:
    node_width: float
    node_height: float
    h_gap: float
    v_gap: float
    stack_gap: float = 12.0
    indent: float = 20.0

    def half(self, layered: _Layered, vertex: int) -> float:
        size = len(layered.members[vertex])
        if size == 0:
            return 0.0
        return (self.node_width + (self.indent if size > 1 else 0.0)) / 2

    def row_top(self, row: int) -> float:
        return row * (self.node_height + self.v_gap)


def layout_cascade(
    nodes: Iterable[CascadeNode],
    edges: Iterable[CascadeEdge],
    node_width: float = 220.0,
    node_height: float = 84.0,
    h_gap: float = 24.0,
    v_gap: float = 56.0,
    *,
    stack_leaves: bool = True,
) -> CascadeLayout:
    """Lay the graph out top-down: parents above children, no overlaps, few crossings.

    With ``stack_leaves``, two or more childless nodes in a component's last row that share
    their only parent are drawn as a column under it, which keeps wide cascades narrow.
    An edge that would close a cycle is left out (the loader reports alignment cycles).
    """
    graph = _build_graph(nodes, edges)
    layers = _layers(graph)
    args = (_shape(graph, layers), node_width, node_height, h_gap, v_gap, stack_leaves)
    # Neighbourhood graphs of objective pages come in a few dozen shapes, so their drawings
    # are memoised; a whole cycle's cascade is drawn once (and would hold megabytes).
    try:
        drawing = _memoised_draw(*args) if len(graph.ids) <= _MEMO_NODES else _draw(*args)
    except TypeError:  # orders that cannot be hashed (nor ranked): drawn without the memo
        drawing = _draw(*args)
    return CascadeLayout(
        tuple(
            NodeBox(graph.ids[box.node], box.x, box.y, node_width, node_height, layers[box.node])
            for box in drawing.boxes
        ),
        tuple(
            EdgeRoute(
                graph.ids[route.child],
                graph.ids[route.parent],
                graph.krs[(route.child, route.parent)],
                route.points,
            )
            for route in drawing.routes
        ),
        drawing.width,
        drawing.height,
    )


@dataclass(frozen=True)
class _Shape:
    """What a layout depends on, nodes numbered in id order: each node's row, its rank in
    sibling order and its parents. Graphs that differ only in their ids, in their ``order``
    values or in their layers' numbers have one shape, so one drawing (ties between nodes
    are broken by id, which is their number's order)."""

    rows: tuple[int, ...]
    order: tuple[int, ...]
    parents: tuple[tuple[int, ...], ...]


def _shape(graph: _Graph, layers: list[int]) -> _Shape:
    return _Shape(tuple(_rows(layers)), _ranks(graph.order), tuple(map(tuple, graph.parents)))


def _ranks(values: list[int]) -> tuple[int, ...]:
    """Each value's rank among the distinct values: the same comparisons, fewer shapes.
    Values are kept as they are unless all are integers (a NaN has no rank)."""
    if not all(type(value) is int for value in values):
        return tuple(values)
    rank = {value: r for r, value in enumerate(sorted(set(values)))}
    return tuple(rank[value] for value in values)


class _Placed(NamedTuple):
    """A node's box, by number: its top-left corner (its size is the layout's)."""

    node: int
    x: float
    y: float


class _Route(NamedTuple):
    """An edge's route, by numbers."""

    child: int
    parent: int
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class _Drawing:
    """A shape laid out: boxes in reading order, routes by parent then child, and the size."""

    boxes: tuple[_Placed, ...]
    routes: tuple[_Route, ...]
    width: float
    height: float


def _draw(
    shape: _Shape,
    node_width: float,
    node_height: float,
    h_gap: float,
    v_gap: float,
    stack_leaves: bool,
) -> _Drawing:
    """Lay a shape out: each component alone, then the components in shelves."""
    sizes = _Sizes(node_width, node_height, h_gap, v_gap)
    children = _children(shape.parents)
    pieces = [
        _lay_out_component(shape, children, component, sizes, stack_leaves)
        for component in _components(shape, children)
    ]
    boxes: list[_Placed] = []
    routes: list[_Route] = []
    for shelf in _shelves(pieces, sizes):
        shelf_boxes: list[_Placed] = []
        for piece, dx, dy in shelf:
            shelf_boxes.extend(_moved_box(box, dx, dy) for box in piece.boxes)
            routes.extend(_moved_route(route, dx, dy) for route in piece.routes)
        boxes.extend(sorted(shelf_boxes, key=lambda b: (shape.rows[b.node], b.x, b.y, b.node)))
    width = max((b.x + node_width for b in boxes), default=0.0)
    height = max((b.y + node_height for b in boxes), default=0.0)
    routes.sort(key=lambda r: (r.parent, r.child))
    return _Drawing(tuple(boxes), tuple(routes), _r(width), _r(height))


_MEMO_NODES = 200  # graphs up to this size have their drawings memoised
_memoised_draw = lru_cache(maxsize=256, typed=True)(_draw)


def _children(parents: Sequence[Sequence[int]]) -> list[list[int]]:
    """Each node's children, in number order."""
    children: list[list[int]] = [[] for _ in parents]
    for child, above in enumerate(parents):
        for parent in above:
            children[parent].append(child)
    return children


@dataclass(frozen=True)
class _Piece:
    """One component laid out with its left edge at x = 0 and rows at their global y."""

    boxes: tuple[_Placed, ...]
    routes: tuple[_Route, ...]
    width: float
    top: float
    bottom: float


def _lay_out_component(
    shape: _Shape,
    children: list[list[int]],
    component: list[int],
    sizes: _Sizes,
    stack_leaves: bool,
) -> _Piece:
    layered = _layer_component(shape, children, component, stack_leaves)
    _reduce_crossings(layered)
    xs = _place_x(layered, sizes)
    shift = -min(xs[row[0]] - sizes.half(layered, row[0]) for row in layered.rows if row)
    xs = [x + shift for x in xs]
    placed = _boxes(layered, shape.rows, xs, sizes)
    boxes = tuple(placed.values())
    return _Piece(
        boxes=boxes,
        routes=tuple(_routes(shape, layered, placed, xs, sizes)),
        width=max(b.x + sizes.node_width for b in boxes),
        top=min(b.y for b in boxes),
        bottom=max(b.y + sizes.node_height for b in boxes),
    )


def _shelves(
    pieces: Sequence[_Piece], sizes: _Sizes, aspect: float = 3.0
) -> list[list[tuple[_Piece, float, float]]]:
    """Components side by side in shelves (rows of components) about ``aspect`` times wider
    than tall overall, so a forest of lone objectives wraps instead of running off as one row.
    Returns each piece with its offset."""
    if not pieces:
        return []
    area = sum((p.width + sizes.h_gap) * (p.bottom - p.top + sizes.v_gap) for p in pieces)
    limit = max(
        max(p.width for p in pieces),
        (area * aspect) ** 0.5,
        6 * (sizes.node_width + sizes.h_gap),
    )
    groups: list[list[tuple[_Piece, float]]] = [[]]
    x = 0.0
    for piece in pieces:
        if groups[-1] and x + piece.width > limit:
            groups.append([])
            x = 0.0
        groups[-1].append((piece, x))
        x += piece.width + sizes.h_gap
    shelves = []
    top = 0.0
    for group in groups:
        dy = top - min(piece.top for piece, _ in group)
        shelves.append([(piece, dx, dy) for piece, dx in group])
        top = max(piece.bottom for piece, _ in group) + dy + sizes.v_gap
    return shelves


def _moved_box(box: _Placed, dx: float, dy: float) -> _Placed:
    if not (dx or dy):
        return box  # a piece left in place: its coordinates are rounded already
    return _Placed(box.node, _r(box.x + dx), _r(box.y + dy))


def _moved_route(route: _Route, dx: float, dy: float) -> _Route:
    if not (dx or dy):
        return route
    points = tuple((_r(x + dx), _r(y + dy)) for x, y in route.points)
    return _Route(route.child, route.parent, points)


@lru_cache(maxsize=1 << 12, typed=True)
def _r(value: float) -> float:
    """Round coordinates so the output is stable and short (memoised: they recur a lot)."""
    return round(value, 2) + 0.0


def _build_graph(nodes: Iterable[CascadeNode], edges: Iterable[CascadeEdge]) -> _Graph:
    by_id: dict[str, CascadeNode] = {}
    for node in nodes:
        if node.id in by_id and by_id[node.id] != node:
            raise ValueError(f"duplicate cascade node id {node.id!r}")
        by_id[node.id] = node
    ids = sorted(by_id)
    index = {node_id: i for i, node_id in enumerate(ids)}
    graph = _Graph(
        ids=ids,
        level=[max(0, by_id[i].level) for i in ids],
        order=[by_id[i].order for i in ids],
        parents=[[] for _ in ids],
        children=[[] for _ in ids],
        krs={},
    )
    grouped: dict[tuple[int, int], set[str]] = {}
    for child_id, parent_id, kr in _merged_edges(by_id, edges):
        krs = grouped.setdefault((index[child_id], index[parent_id]), set())
        if kr is not None:
            krs.add(kr)
    for child, parent in _acyclic(len(ids), sorted(grouped)):
        graph.parents[child].append(parent)
        graph.children[parent].append(child)
        graph.krs[(child, parent)] = tuple(sorted(grouped[(child, parent)]))
    return graph


def _acyclic(n: int, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop the (child, parent) pairs that close a cycle, found by a deterministic DFS."""
    children: list[list[int]] = [[] for _ in range(n)]
    for child, parent in pairs:
        children[parent].append(child)
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(n):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(children[root]))]
        while stack:
            parent, it = stack[-1]
            child = next(it, -1)
            if child < 0:
                state[parent] = 2
                stack.pop()
            elif state[child] == 1:
                back.add((child, parent))
            elif state[child] == 0:
                state[child] = 1
                stack.append((child, iter(children[child])))
    return [pair for pair in pairs if pair not in back]


def _layers(graph: _Graph) -> list[int]:
    """Each node's layer: at least its level, below its parents (longest path from roots)."""
    n = len(graph.ids)
    layer = list(graph.level)
    waiting = [len(p) for p in graph.parents]
    ready = [i for i in range(n) if not waiting[i]]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)
        for child in graph.children[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            waiting[child] -= 1
            if not waiting[child]:
                heapq.heappush(ready, child)
    return layer


def _rows(layers: list[int]) -> list[int]:
    """The rank of each node's layer among the layers in use: empty layers closed up."""
    used = {value: row for row, value in enumerate(sorted(set(layers)))}
    return [used[value] for value in layers]


def _components(shape: _Shape, children: list[list[int]]) -> list[list[int]]:
    """Connected components, each sorted, in order of their top-left node."""
    seen = [False] * len(shape.rows)
    found: list[list[int]] = []
    for start in range(len(shape.rows)):
        if seen[start]:
            continue
        seen[start] = True
        members, stack = [start], [start]
        while stack:
            node = stack.pop()
            for other in itertools.chain(shape.parents[node], children[node]):
                if not seen[other]:
                    seen[other] = True
                    members.append(other)
                    stack.append(other)
        found.append(sorted(members))

    def first(component: list[int]) -> tuple[int, int, int]:
        return min((shape.rows[i], shape.order[i], i) for i in component)

    return sorted(found, key=first)


def _vertex_groups(
    shape: _Shape, children: list[list[int]], component: list[int], stack_leaves: bool
) -> list[tuple[int, ...]]:
    """Component nodes as vertices: alone, or stacked with their sibling leaves."""
    rows, parents = shape.rows, shape.parents
    last = max(rows[i] for i in component)
    stacks: dict[int, list[int]] = {}
    for node in component:
        lone_leaf = rows[node] == last and not children[node]
        if stack_leaves and lone_leaf and len(parents[node]) == 1:
            stacks.setdefault(parents[node][0], []).append(node)
    stacked = {node for group in stacks.values() if len(group) > 1 for node in group}
    groups: list[tuple[int, ...]] = [(node,) for node in component if node not in stacked]
    for parent in sorted(stacks):
        if len(stacks[parent]) > 1:
            groups.append(tuple(sorted(stacks[parent], key=lambda i: (shape.order[i], i))))
    return groups


def _layer_component(
    shape: _Shape, children: list[list[int]], component: list[int], stack_leaves: bool
) -> _Layered:
    groups = _vertex_groups(shape, children, component, stack_leaves)
    vertex_of = {node: v for v, group in enumerate(groups) for node in group}
    rows = shape.rows
    base = min(rows[i] for i in component)
    layered = _Layered(
        members=list(groups),
        row_of=[rows[group[0]] - base for group in groups],
        up=[[] for _ in groups],
        down=[[] for _ in groups],
        sort_key=[(shape.order[group[0]], group[0]) for group in groups],
    )
    layered.rows = [[] for _ in range(max(layered.row_of) + 1)]
    links = sorted({(vertex_of[p], vertex_of[c]) for c in component for p in shape.parents[c]})
    for top, bottom in links:
        _link(layered, top, bottom)
    _initial_order(layered)
    return layered


def _link(layered: _Layered, top: int, bottom: int) -> None:
    """Connect two vertices, through a dummy vertex in every row between them."""
    chain: list[int] = []
    previous = top
    for row in range(layered.row_of[top] + 1, layered.row_of[bottom]):
        dummy = len(layered.row_of)
        layered.members.append(())
        layered.row_of.append(row)
        layered.up.append([previous])
        layered.down.append([])
        layered.sort_key.append(layered.sort_key[bottom])
        layered.down[previous].append(dummy)
        chain.append(dummy)
        previous = dummy
    layered.down[previous].append(bottom)
    layered.up[bottom].append(previous)
    layered.chains[(top, bottom)] = chain


def _initial_order(layered: _Layered) -> None:
    """Rows in depth-first org-chart order: roots by (row, order, id), children by (order, id)."""
    vertices = range(len(layered.row_of))
    roots = sorted(
        (v for v in vertices if not layered.up[v]),
        key=lambda v: (layered.row_of[v], layered.sort_key[v]),
    )
    placed = [False] * len(layered.row_of)
    for root in roots:
        stack = [root]
        while stack:
            vertex = stack.pop()
            if placed[vertex]:
                continue
            placed[vertex] = True
            layered.rows[layered.row_of[vertex]].append(vertex)
            below = sorted(layered.down[vertex], key=lambda v: layered.sort_key[v], reverse=True)
            stack.extend(v for v in below if not placed[v])


def _reduce_crossings(layered: _Layered, max_rounds: int = 12) -> None:
    """Barycenter sweeps down and up, keeping the best ordering seen."""
    best = [list(row) for row in layered.rows]
    best_count = _crossings(layered)
    stale = 0
    for round_no in range(max_rounds):
        if best_count == 0 or stale >= 3:
            break
        downward = round_no % 2 == 0
        span = range(1, len(layered.rows)) if downward else range(len(layered.rows) - 2, -1, -1)
        for r in span:
            _sort_by_barycenter(layered, r, layered.up if downward else layered.down)
        count = _crossings(layered)
        if count < best_count:
            best, best_count, stale = [list(row) for row in layered.rows], count, 0
        else:
            stale += 1
    layered.rows = best


def _sort_by_barycenter(layered: _Layered, r: int, links: list[list[int]]) -> None:
    """Sort one row by the mean position of each vertex's neighbours; loners keep their slot."""
    position = _positions(layered)
    row = layered.rows[r]
    movable = [v for v in row if links[v]]
    movable.sort(key=lambda v: (sum(position[u] for u in links[v]) / len(links[v]), position[v]))
    moved = iter(movable)
    layered.rows[r] = [next(moved) if links[v] else v for v in row]


def _positions(layered: _Layered) -> list[int]:
    position = [0] * len(layered.row_of)
    for row in layered.rows:
        for i, v in enumerate(row):
            position[v] = i
    return position


def _crossings(layered: _Layered) -> int:
    """Edge crossings between all adjacent rows (accumulator tree, Barth et al. 2002)."""
    position = _positions(layered)
    total = 0
    for r in range(len(layered.rows) - 1):
        ends = sorted((position[u], position[v]) for u in layered.rows[r] for v in layered.down[u])
        total += _inversions([b for _, b in ends], len(layered.rows[r + 1]))
    return total


def _inversions(sequence: list[int], size: int) -> int:
    tree = [0] * (size + 1)  # Fenwick tree of counts
    count = 0
    for seen, value in enumerate(sequence):
        i, not_greater = value + 1, 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        count += seen - not_greater
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count


def _place_x(layered: _Layered, sizes: _Sizes, rounds: int = 6) -> list[float]:
    """Vertex centres: pull each vertex toward its neighbours, keeping rows apart.

    The rows' orders are fixed here, so each row's minimum offsets and each vertex's edge
    weights are worked out once; the sweeps stop early once a round moves nothing (the
    rounds after it would not either)."""
    half = [sizes.half(layered, v) for v in range(len(layered.row_of))]
    dummy_gap = max(8.0, sizes.h_gap / 3)

    def gap(a: int, b: int) -> float:
        spaced = layered.is_dummy(a) or layered.is_dummy(b)
        return half[a] + half[b] + (dummy_gap if spaced else sizes.h_gap)

    offsets = []
    for row in layered.rows:
        offset = [0.0]
        for prev, v in itertools.pairwise(row):
            offset.append(offset[-1] + gap(prev, v))
        offsets.append(offset)
    xs = [0.0] * len(layered.row_of)
    for row, offset in zip(layered.rows, offsets):
        for v, off in zip(row, offset):
            xs[v] = off
    up = _weighted_links(layered, layered.up)
    down = _weighted_links(layered, layered.down)
    depth = len(layered.rows)
    for _ in range(rounds):
        before = list(xs)
        for r in range(1, depth):
            _fit_row(xs, layered.rows[r], offsets[r], up)
        for r in range(depth - 2, -1, -1):
            _fit_row(xs, layered.rows[r], offsets[r], down)
        if xs == before:
            break
    return xs


def _weight(layered: _Layered, a: int, b: int) -> float:
    """Gansner et al.'s edge weights: 1 node-node, 2 node-dummy, 8 dummy-dummy (straight)."""
    return (1.0, 2.0, 8.0)[layered.is_dummy(a) + layered.is_dummy(b)]


def _weighted_links(
    layered: _Layered, links: list[list[int]]
) -> list[tuple[list[int], list[float], float]]:
    """Each vertex's neighbours along ``links``, their edge weights and the weights' sum."""
    found = []
    for v, neighbours in enumerate(links):
        weights = [_weight(layered, v, u) for u in neighbours]
        found.append((neighbours, weights, sum(weights)))
    return found


def _fit_row(
    xs: list[float],
    row: list[int],
    offset: list[float],
    links: list[tuple[list[int], list[float], float]],
) -> None:
    """Least-squares fit of one row to its neighbours' weighted mean, with minimum gaps
    ``offset`` from the row's first vertex (pool-adjacent-violators)."""
    blocks: list[list[float]] = []  # [weight, weighted sum, size]
    for v, off in zip(row, offset):
        neighbours, weights, total = links[v]
        if weights:
            target = sum(w * xs[u] for w, u in zip(weights, neighbours)) / total
        else:
            total, target = 0.01, xs[v]
        blocks.append([total, total * (target - off), 1])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][0] > blocks[-1][1] / blocks[-1][0]:
            w, s, k = blocks.pop()
            blocks[-1][0] += w
            blocks[-1][1] += s
            blocks[-1][2] += k
    i = 0
    for w, s, k in blocks:
        for _ in range(int(k)):
            xs[row[i]] = s / w + offset[i]
            i += 1


def _boxes(
    layered: _Layered, rows: Sequence[int], xs: list[float], sizes: _Sizes
) -> dict[int, _Placed]:
    """Boxes by graph node; a stack's members go down a column, indented past its spine."""
    placed: dict[int, _Placed] = {}
    for v, group in enumerate(layered.members):
        left = xs[v] - sizes.half(layered, v) + (sizes.indent if len(group) > 1 else 0.0)
        for k, node in enumerate(group):
            top = sizes.row_top(rows[node]) + k * (sizes.node_height + sizes.stack_gap)
            placed[node] = _Placed(node, _r(left), _r(top))
    return placed


def _routes(
    shape: _Shape,
    layered: _Layered,
    placed: Mapping[int, _Placed],
    xs: list[float],
    sizes: _Sizes,
) -> list[_Route]:
    rows = shape.rows
    vertex_of = {node: v for v, group in enumerate(layered.members) for node in group}
    routes = []
    for node, child_v in vertex_of.items():
        child = placed[node]
        for parent in shape.parents[node]:
            above = placed[parent]
            chain = layered.chains[(vertex_of[parent], child_v)]
            points = [(above.x + sizes.node_width / 2, above.y + sizes.node_height)]
            for dummy in chain:
                top = sizes.row_top(layered.row_of[dummy] + rows[node] - layered.row_of[child_v])
                points += [(xs[dummy], top), (xs[dummy], top + sizes.node_height)]
            if len(layered.members[child_v]) > 1:
                spine = child.x - sizes.indent / 2
                middle = child.y + sizes.node_height / 2
                points += [(spine, sizes.row_top(rows[node])), (spine, middle), (child.x, middle)]
            else:
                points.append((child.x + sizes.node_width / 2, child.y))
            routes.append(_Route(node, parent, tuple((_r(x), _r(y)) for x, y in points)))
    return routes


# --------------------------------------------------------------------------- SVG

_SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})
_PAD = 8.0
_TITLE_CHAR = 7.6  # average advance of a 13px bold sans-serif character (see cascade.css)
_SMALL_CHAR = 6.4  # the same for the 11px texts
_BLANKS = dict.fromkeys(range(ord(" ") + 1))  # controls and space, dropped from links

# The short texts of a node (id, link, owner, status) recur on every page that shows it, so
# they are escaped once; typed, as Markup is left as it is and an equal str is not.
_escape = lru_cache(maxsize=1 << 13, typed=True)(escape)


@lru_cache(maxsize=1 << 12, typed=True)
def _num(value: float) -> str:
    """Fixed precision (two decimals), trailing zeros dropped: stable across runs.

    Memoised: cards of one size share most of their coordinates."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=1 << 12, typed=True)
def _safe_href(href: str) -> str | None:
    """The link if its scheme is harmless, else None (no javascript: or data: links).

    Memoised: a node has the same link on every page at the same depth."""
    bare = href.translate(_BLANKS)
    if not bare:
        return None
    if ":" not in bare and not bare.startswith("//"):
        return href  # no scheme, and no host for urlsplit to reject: a relative link
    try:
        scheme = urlsplit(bare).scheme.lower()
    except ValueError:
        return None
    return href if scheme in _SAFE_SCHEMES else None


def _wrap(text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines, the last one ellipsised if cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while word:
            room = width - len(current) - (1 if current else 0)
            if len(word) <= room:
                current, word = (f"{current} {word}" if current else word), ""
            elif current and (len(word) <= width or room < 4):
                lines.append(current)
                current = ""
            else:  # a word longer than a line (a URL, an id): split it
                lines.append(f"{current} {word[:room]}" if current else word[:room])
                current, word = "", word[room:]
        if len(lines) > max_lines:
            break
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        cut = _ellipsis(f"{lines[max_lines - 1]} {lines[max_lines]}", width)
        lines = lines[: max_lines - 1] + [cut]
    return lines


@lru_cache(maxsize=1 << 12, typed=True)
def _ellipsis(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, ending in an ellipsis when cut (memoised:
    owners and statuses recur)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(1, width - 1)].rstrip() + "…"


def _tokens(values: Iterable[str]) -> str:
    """Branch keys as one space-separated attribute value (keys may not hold spaces)."""
    return " ".join(sorted({"-".join(v.split()) for v in values if v.strip()}))


def cascade_svg(
    layout: CascadeLayout,
    cards: Mapping[str, NodeCard],
    *,
    title: str,
    description: str | None = None,
    labels: CascadeLabels = CascadeLabels(),
    id_prefix: str = "cascade",
) -> Markup:
    """The layout as inline SVG for cascade.css and cascade.js: each node a link, an edge to
    one key result solid and to a whole objective dashed, colours from CSS classes only.
    ``id_prefix`` must be unique on the page (it names the ``<title>`` the SVG points to)."""
    size = f"{_num(layout.width + 2 * _PAD)} {_num(layout.height + 2 * _PAD)}"
    view = f"{_num(-_PAD)} {_num(-_PAD)} {size}"
    labelled = f"{id_prefix}-title" + (f" {id_prefix}-desc" if description else "")
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="cascade span-{_span(layout)}"'
            f' viewBox="{view}"'
            f' data-cascade="" aria-labelledby="{escape(labelled)}"'
            f' data-label-zoom-in="{escape(labels.zoom_in)}"'
            f' data-label-zoom-out="{escape(labels.zoom_out)}"'
            f' data-label-reset="{escape(labels.reset)}">'
        ),
        f'<title id="{escape(id_prefix)}-title">{escape(title)}</title>',
    ]
    if description:
        parts.append(f'<desc id="{escape(id_prefix)}-desc">{escape(description)}</desc>')
    ids = {box.id for box in layout.boxes}
    ids.update(node_id for route in layout.edges for node_id in (route.child, route.parent))
    keys = {node_id: _card_keys(cards, node_id) for node_id in ids}
    key_sets = {node_id: frozenset(value.split()) for node_id, value in keys.items()}
    parts.append('<g class="cascade-view">')
    parts.append('<g class="cascade-edges">')
    parts.extend(_edge_svg(route, key_sets, labels) for route in layout.edges)
    parts.append('</g><g class="cascade-nodes">')
    parts.extend(_node_svg(box, cards.get(box.id), keys[box.id], labels) for box in layout.boxes)
    parts.append("</g></g></svg>")
    return Markup("\n".join(parts))


def _span(layout: CascadeLayout) -> int:
    """The drawing's width in steps of 256 units (16rem; 1 to 8), for cascade.css to cap a
    small graph near its natural size instead of blowing it up to the page width."""
    return max(1, min(8, round((layout.width + 2 * _PAD) / 256)))


def _edge_svg(
    route: EdgeRoute, keys_of: Mapping[str, frozenset[str]], labels: CascadeLabels
) -> str:
    """An edge, in the branches of both its ends; ``keys_of`` holds each node's branch keys
    (``_card_keys``, split: tokens already, so they only need sorting)."""
    keys = keys_of[route.child] & keys_of[route.parent]
    kind = "edge edge-kr" if route.krs else "edge"
    text = labels.kr_edge.format(kr=", ".join(route.krs)) if route.krs else labels.objective_edge
    branch_attr = f' data-branch="{escape(" ".join(sorted(keys)))}"' if keys else ""
    return (
        f'<path class="{kind}" d="{_edge_path(route.points)}"{branch_attr}'
        f' data-child="{_escape(route.child)}" data-parent="{_escape(route.parent)}">'
        f"<title>{_escape(text)}</title></path>"
    )


def _card_keys(cards: Mapping[str, NodeCard], node_id: str) -> str:
    """A node's branch keys as one attribute value ("" without a card)."""
    card = cards.get(node_id)
    return _tokens(card.branch_keys) if card else ""


def _edge_path(points: Sequence[tuple[float, float]]) -> str:
    """Straight where a segment runs level or plumb, else an S-curve with vertical tangents."""
    (x0, y0), *rest = points
    d = [f"M{_num(x0)} {_num(y0)}"]
    for (xa, ya), (xb, yb) in zip(points, rest):
        if xa == xb or ya == yb:
            d.append(f"L{_num(xb)} {_num(yb)}")
        else:
            mid = _num((ya + yb) / 2)
            d.append(f"C{_num(xa)} {mid} {_num(xb)} {mid} {_num(xb)} {_num(yb)}")
    return " ".join(d)


def _node_svg(box: NodeBox, card: NodeCard | None, keys: str, labels: CascadeLabels) -> str:
    """A node as a link (or a group, without a safe link); ``keys`` are its branch keys."""
    card = card or NodeCard(box.id, "", None, "no-data", "", "")
    status = "-".join(card.status.lower().split()) or "no-data"
    href = _safe_href(card.href)
    branch_attr = f' data-branch="{escape(keys)}"' if keys else ""
    if card.owner_key:
        branch_attr += f' data-owner="{_escape(card.owner_key)}"'
    current = " node-current" if card.current else ""
    common = (
        f'class="node status-{_escape(status)}{current}" data-node="{_escape(box.id)}"{branch_attr}'
        f' transform="translate({_num(box.x)} {_num(box.y)})"'
        + (' aria-current="page"' if card.current else "")
    )
    opening = f'<a href="{_escape(href)}" {common}>' if href else f"<g {common}>"
    closing = "</a>" if href else "</g>"
    return f"{opening}{_card_body(box, card, labels)}{closing}"


@dataclass(frozen=True)
class _CardFrame:
    """What every card of one size shares: how much text fits, and its fixed markup."""

    title_chars: int
    title_rows: int
    owner_chars: int
    status_chars: int
    bar_width: int
    box: str  # the box and its status flag
    owner: str  # the owner's <text>, opened
    bar: str  # the progress bar's track
    bar_y: str
    percent: str  # the percentage's <text>, opened
    status: str  # the status word's <text>, opened


@lru_cache(maxsize=64, typed=True)
def _card_frame(w: float, h: float) -> _CardFrame:
    """The frame of a ``w`` by ``h`` card (memoised: a graph's cards share one size)."""
    bottom = h - 10
    owner_y = bottom - 18
    title_rows = max(1, int((owner_y - 16 - 20) // 16) + 1)
    title_chars = max(8, int((w - 24) / _TITLE_CHAR))
    bar_w = round(w * 0.36)
    room = int((w - 24 - bar_w - 40) / _SMALL_CHAR)
    return _CardFrame(
        title_chars=title_chars,
        title_rows=title_rows,
        owner_chars=int((w - 24) / _SMALL_CHAR),
        status_chars=max(4, room),
        bar_width=bar_w,
        box=(
            f'<rect class="node-box" width="{_num(w)}" height="{_num(h)}" rx="6"/>'
            f'<rect class="node-flag" width="5" height="{_num(h)}" rx="2"/>'
        ),
        owner=f'<text class="node-owner" x="12" y="{_num(owner_y)}">',
        bar=(
            f'<rect class="node-bar" x="12" y="{_num(bottom - 7)}" width="{bar_w}" height="6"'
            ' rx="3"/>'
        ),
        bar_y=_num(bottom - 7),
        percent=f'<text class="node-percent" x="{_num(18 + bar_w)}" y="{_num(bottom)}">',
        status=f'<text class="node-status" x="{_num(w - 10)}" y="{_num(bottom)}">',
    )


def _card_body(box: NodeBox, card: NodeCard, labels: CascadeLabels) -> str:
    """A card's texts and bars: the same on every page that shows the node, so memoised
    (by each text, of its own type: a Markup template formats differently from a str)."""
    key = (
        *(box.width, box.height, card.title, card.owner, card.progress, card.status_label),
        *(labels.owner, labels.status, labels.progress, labels.no_progress, labels.format_percent),
    )
    try:
        return _memoised_card_text(*key)
    except TypeError:  # a callback that cannot be hashed
        return _card_text(*key)


def _card_text(
    w: float,
    h: float,
    title: str,
    owner: str,
    progress: float | None,
    status_label: str,
    owner_text: str,
    status_text: str,
    progress_text: str,
    no_progress: str,
    format_percent: Callable[[float], str],
) -> str:
    """The body of a ``w`` by ``h`` card; the ``*_text`` are the labels' templates."""
    frame = _card_frame(w, h)
    lines = _wrap(title, frame.title_chars, frame.title_rows)
    percent = format_percent(progress) if progress is not None else no_progress
    tooltip = "\n".join(
        [
            title,
            owner_text.format(owner=owner) if owner else "",
            status_text.format(status=status_label) if status_label else "",
            progress_text.format(progress=percent),
        ]
    )
    fill = 0.0 if progress is None else min(1.0, max(0.0, progress)) * frame.bar_width
    tspans = "".join(
        f'<tspan x="12" y="{20 + 16 * i}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    body = [
        f"<title>{escape(chr(10).join(t for t in tooltip.splitlines() if t))}</title>",
        frame.box,
        f'<text class="node-title">{tspans}</text>',
        f"{frame.owner}{_escape(_ellipsis(owner, frame.owner_chars))}</text>",
        frame.bar,
    ]
    if fill > 0:
        body.append(
            f'<rect class="node-bar-fill" x="12" y="{frame.bar_y}"'
            f' width="{_num(fill)}" height="6" rx="3"/>'
        )
    if progress is not None:
        body.append(f"{frame.percent}{_escape(percent)}</text>")
    body.append(f"{frame.status}{_escape(_ellipsis(status_label, frame.status_chars))}</text>")
    return "".join(body)


_memoised_card_text = lru_cache(maxsize=1 << 11, typed=True)(_card_text)

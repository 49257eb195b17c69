/* okrsite cascade: pan and zoom for every svg[data-cascade], and the branch filter
 * <select data-cascade-filter="ID"> (ID: the svg or a container of svgs; empty: every
 * cascade on the page). Option values are branch keys; "" shows everything.
 * No libraries, no inline handlers, no inline styles (the site's CSP forbids them): the
 * view is the SVG viewBox, and looks come from cascade.css classes.
 * Without JavaScript the SVG is a plain scaled drawing of links, and the filter stays
 * hidden if the template gives it (or its [data-cascade-controls] wrapper) `hidden`. */
(function () {
  "use strict";

  var MIN_READABLE = 0.5; // below this scale the 13px titles are too small to read
  var START_SCALE = 0.8; // scale of the first view of a large cascade
  var MAX_SCALE = 3;
  var STEP = 1.25;

  function parseBox(text) {
    var v = (text || "").trim().split(/[\s,]+/).map(Number);
    return { x: v[0] || 0, y: v[1] || 0, w: v[2] || 1, h: v[3] || 1 };
  }

  function nodeBox(node) {
    var m = /translate\(\s*([-\d.]+)[\s,]+([-\d.]+)\s*\)/.exec(node.getAttribute("transform") || "");
    var rect = node.querySelector(".node-box");
    if (!m || !rect) return null;
    return {
      x: Number(m[1]),
      y: Number(m[2]),
      w: Number(rect.getAttribute("width")),
      h: Number(rect.getAttribute("height"))
    };
  }

  function union(boxes) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    boxes.forEach(function (b) {
      x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y);
      x1 = Math.max(x1, b.x + b.w); y1 = Math.max(y1, b.y + b.h);
    });
    return x0 === Infinity ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  function Cascade(svg) {
    this.svg = svg;
    this.drawing = svg.getAttribute("viewBox"); // the whole drawing, as served
    this.full = parseBox(this.drawing);
    this.printed = null; // the screen's view while the page prints
    this.view = null;
    this.drag = null;
    this.suppressClick = false;
    var width = svg.getBoundingClientRect().width || 1;
    if (width / this.full.w < MIN_READABLE) svg.classList.add("cascade-live");
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    this.addToolbar();
    this.listen();
    this.reset();
  }

  Cascade.prototype.size = function () {
    var r = this.svg.getBoundingClientRect();
    return { w: Math.max(r.width, 1), h: Math.max(r.height, 1) };
  };

  Cascade.prototype.scale = function () {
    return this.size().w / this.view.w;
  };

  Cascade.prototype.minScale = function () {
    var s = this.size();
    return Math.min(s.w / this.full.w, s.h / this.full.h, 1) * 0.8;
  };

  // Show the view centred on (cx, cy) in drawing units at `scale` px per unit.
  Cascade.prototype.show = function (cx, cy, scale) {
    var s = this.size();
    scale = Math.max(this.minScale(), Math.min(MAX_SCALE, scale));
    var w = s.w / scale, h = s.h / scale, f = this.full;
    // Keep some of the drawing in view whatever the pan.
    cx = Math.max(f.x - w * 0.3, Math.min(f.x + f.w + w * 0.3, cx));
    cy = Math.max(f.y - h * 0.3, Math.min(f.y + f.h + h * 0.3, cy));
    this.view = { x: cx - w / 2, y: cy - h / 2, w: w, h: h };
    this.svg.setAttribute("viewBox", [this.view.x, this.view.y, w, h].map(function (n) {
      return n.toFixed(2);
    }).join(" "));
  };

  Cascade.prototype.fit = function (box, anchor) {
    var s = this.size(), pad = 16;
    var natural = s.w / this.full.w;
    var scale = Math.min(s.w / (box.w + 2 * pad), s.h / (box.h + 2 * pad), Math.max(1.2, natural));
    if (scale < MIN_READABLE && anchor) {
      // Too big to read whole: start readable on the anchor (e.g. the owner's first node).
      this.show(anchor.x + anchor.w / 2, anchor.y + anchor.h / 2, START_SCALE);
      return;
    }
    if (scale < MIN_READABLE && this.svg.classList.contains("cascade-live")) {
      // Too big to read whole: start readable at the top, on the first row (or, if that
      // row is wider than the view, at its left end).
      var boxes = this.nodes().filter(function (n) {
        return !n.classList.contains("is-dimmed");
      }).map(nodeBox).filter(Boolean);
      scale = START_SCALE;
      var top = boxes.length ? union(boxes.filter(function (b) { return b.y === boxes[0].y; })) : box;
      var cx = top.x + top.w / 2;
      if (top.w * scale > s.w) cx = top.x - pad + s.w / scale / 2;
      this.show(cx, box.y - pad + s.h / scale / 2, scale);
      return;
    }
    this.show(box.x + box.w / 2, box.y + box.h / 2, scale);
  };

  Cascade.prototype.reset = function () {
    var all = this.nodes();
    var visible = all.filter(function (n) { return !n.classList.contains("is-dimmed"); });
    var f = this.full;
    if (visible.length === all.length && !this.svg.classList.contains("cascade-live")) {
      this.show(f.x + f.w / 2, f.y + f.h / 2, this.size().w / f.w); // the drawing as served
      return;
    }
    this.fit(union(visible.map(nodeBox).filter(Boolean)) || f);
  };

  Cascade.prototype.nodes = function () {
    return Array.prototype.slice.call(this.svg.querySelectorAll(".node"));
  };

  Cascade.prototype.zoom = function (factor, px, py) {
    var s = this.size(), scale = this.scale();
    if (px === undefined) { px = s.w / 2; py = s.h / 2; }
    var ux = this.view.x + px / scale, uy = this.view.y + py / scale;
    var next = Math.max(this.minScale(), Math.min(MAX_SCALE, scale * factor));
    this.show(ux + (s.w / 2 - px) / next, uy + (s.h / 2 - py) / next, next);
  };

  Cascade.prototype.pan = function (dx, dy) {
    var scale = this.scale();
    this.show(this.view.x + this.view.w / 2 + dx / scale, this.view.y + this.view.h / 2 + dy / scale, scale);
  };

  Cascade.prototype.addToolbar = function () {
    var bar = document.createElement("div");
    bar.className = "cascade-toolbar";
    var self = this;
    [
      ["+", "data-label-zoom-in", "Zoom in", function () { self.zoom(STEP); }],
      ["\u2212", "data-label-zoom-out", "Zoom out", function () { self.zoom(1 / STEP); }],
      ["\u27f2", "data-label-reset", "Reset view", function () { self.reset(); }]
    ].forEach(function (spec) {
      var button = document.createElement("button");
      var label = self.svg.getAttribute(spec[1]) || spec[2];
      button.type = "button";
      button.textContent = spec[0];
      button.title = label;
      button.setAttribute("aria-label", label);
      button.addEventListener("click", spec[3]);
      bar.appendChild(button);
    });
    this.svg.parentNode.insertBefore(bar, this.svg);
  };

  Cascade.prototype.listen = function () {
    var self = this, svg = this.svg;

    svg.addEventListener("wheel", function (e) {
      // Plain wheel scrolls the page; Ctrl/Cmd + wheel (and trackpad pinch) or a focused
      // cascade zooms.
      if (!(e.ctrlKey || e.metaKey || svg.contains(document.activeElement))) return;
      e.preventDefault();
      var r = svg.getBoundingClientRect();
      self.zoom(Math.pow(1.0015, -e.deltaY), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });

    svg.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      self.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, moved: false };
    });
    svg.addEventListener("pointermove", function (e) {
      var d = self.drag;
      if (!d || d.id !== e.pointerId) return;
      var dx = e.clientX - d.x, dy = e.clientY - d.y;
      if (!d.moved && Math.abs(dx) + Math.abs(dy) < 5) return;
      if (!d.moved) {
        d.moved = true;
        svg.setPointerCapture(e.pointerId);
        svg.classList.add("is-dragging");
      }
      self.pan(-dx, -dy);
      d.x = e.clientX;
      d.y = e.clientY;
    });
    function endDrag(e) {
      var d = self.drag;
      if (!d || d.id !== e.pointerId) return;
      self.suppressClick = d.moved;
      self.drag = null;
      svg.classList.remove("is-dragging");
    }
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);
    // A drag that ends on a node must not follow its link.
    svg.addEventListener("click", function (e) {
      if (self.suppressClick) {
        e.preventDefault();
        e.stopPropagation();
        self.suppressClick = false;
      }
    }, true);

    svg.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      var step = 60, onSvg = e.target === svg;
      var actions = {
        "+": function () { self.zoom(STEP); },
        "=": function () { self.zoom(STEP); },
        "-": function () { self.zoom(1 / STEP); },
        "_": function () { self.zoom(1 / STEP); },
        "0": function () { self.reset(); },
        ArrowLeft: onSvg && function () { self.pan(-step, 0); },
        ArrowRight: onSvg && function () { self.pan(step, 0); },
        ArrowUp: onSvg && function () { self.pan(0, -step); },
        ArrowDown: onSvg && function () { self.pan(0, step); }
      };
      var action = actions[e.key];
      if (action) {
        e.preventDefault();
        action();
      }
    });

    // Tabbing through the nodes brings each one into view.
    svg.addEventListener("focusin", function (e) {
      var node = e.target.closest && e.target.closest(".node");
      var b = node && nodeBox(node), v = self.view;
      if (!b || !v) return;
      if (b.x < v.x || b.y < v.y || b.x + b.w > v.x + v.w || b.y + b.h > v.y + v.h) {
        self.show(b.x + b.w / 2, b.y + b.h / 2, Math.max(self.scale(), MIN_READABLE));
      }
    });

    if (window.ResizeObserver) {
      var last = svg.getBoundingClientRect().width;
      new ResizeObserver(function () {
        var now = svg.getBoundingClientRect().width;
        if (Math.abs(now - last) < 1 || !self.view || self.printed) return;
        last = now;
        self.show(self.view.x + self.view.w / 2, self.view.y + self.view.h / 2, self.scale());
      }).observe(svg);
    }
  };

  // On paper the whole drawing is shown at the page's width; the screen's view comes back after.
  Cascade.prototype.print = function (on) {
    var svg = this.svg;
    if (on && !this.printed) {
      this.printed = { viewBox: svg.getAttribute("viewBox"), live: svg.classList.contains("cascade-live") };
      svg.classList.remove("cascade-live");
      svg.setAttribute("viewBox", this.drawing);
    } else if (!on && this.printed) {
      svg.setAttribute("viewBox", this.printed.viewBox);
      svg.classList.toggle("cascade-live", this.printed.live);
      this.printed = null;
    }
  };

  function filterBranch(cascade, key) {
    var items = cascade.svg.querySelectorAll(".node, .edge");
    Array.prototype.forEach.call(items, function (el) {
      var keys = (el.getAttribute("data-branch") || "").split(/\s+/);
      var dim = key !== "" && keys.indexOf(key) < 0;
      el.classList.toggle("is-dimmed", dim);
      if (el.classList.contains("node")) {
        if (dim) {
          el.setAttribute("tabindex", "-1");
          el.setAttribute("aria-hidden", "true");
        } else {
          el.removeAttribute("tabindex");
          el.removeAttribute("aria-hidden");
        }
      }
    });
    // Show the chosen owner's own objectives; their ancestors and descendants stay lit around them.
    var own = key === "" ? [] : Array.prototype.filter.call(
      cascade.svg.querySelectorAll(".node[data-owner]"),
      function (n) { return n.getAttribute("data-owner") === key; });
    var boxes = own.map(nodeBox).filter(Boolean);
    if (boxes.length) cascade.fit(union(boxes), boxes[0]);
    else cascade.reset();
  }

  function init() {
    var cascades = [];
    Array.prototype.forEach.call(document.querySelectorAll("svg[data-cascade]"), function (svg) {
      if (svg.hasAttribute("viewBox")) cascades.push(new Cascade(svg));
    });
    function printing(on) {
      cascades.forEach(function (c) { c.print(on); });
    }
    // Printing fires beforeprint/afterprint; print emulation (and some browsers) only the query.
    window.addEventListener("beforeprint", function () { printing(true); });
    window.addEventListener("afterprint", function () { printing(false); });
    var paper = window.matchMedia && window.matchMedia("print");
    if (paper && paper.addEventListener) {
      paper.addEventListener("change", function (e) { printing(e.matches); });
    }
    Array.prototype.forEach.call(document.querySelectorAll("select[data-cascade-filter]"), function (select) {
      var target = select.getAttribute("data-cascade-filter");
      var scope = target ? document.getElementById(target) : null;
      var mine = cascades.filter(function (c) {
        return !scope || scope === c.svg || scope.contains(c.svg);
      });
      select.hidden = false;
      var wrapper = select.closest("[data-cascade-controls]");
      if (wrapper) wrapper.hidden = false;
      function apply() {
        mine.forEach(function (c) { filterBranch(c, select.value); });
      }
      select.addEventListener("change", apply);
      if (select.value) apply();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

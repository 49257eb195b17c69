// okrsite serve: live reload and the build-error overlay. Added to pages by the dev server
// only, never to a built site. The server's messages are shown as text (textContent), never
// parsed as HTML.
(function () {
  "use strict";

  var script = document.currentScript;
  var build = script.getAttribute("data-build") || "";
  var mine = [script.getAttribute("data-page") || "", here()];
  var source = null;
  var overlay = null;
  var returnFocus = null;
  var dismissed = "";  // the diagnostics the reader closed: they do not come back

  function here() {
    var path = location.pathname;
    try { path = decodeURI(path); } catch (e) { /* keep it encoded */ }
    return path.replace(/\/index\.html$/, "/");
  }

  // A hidden tab closes its stream (browsers allow six connections per host); shown again, it
  // reconnects and the server answers with what changed since the build this tab shows.
  function connect() {
    if (source || document.visibilityState === "hidden") return;
    source = new EventSource("/_okrsite/events?since=" + encodeURIComponent(build) +
                             "&page=" + encodeURIComponent(mine[0] || mine[1]));
    source.addEventListener("update", function (event) { apply(JSON.parse(event.data)); });
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
  }

  function apply(update) {
    var changed = update.all || update.pages.some(function (page) { return mine.indexOf(page) >= 0; });
    if (changed) {
      disconnect();
      location.reload();
    } else if (update.diagnostics.length) {
      show(update);
    } else {
      hide();
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function counted(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function item(d) {
    var li = element("li", "okrsite-overlay-item okrsite-overlay-" + d.severity);
    li.appendChild(element("code", "okrsite-overlay-place", d.path + ":" + d.line + ":" + d.column));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(element("strong", "okrsite-overlay-severity", d.severity));
    li.appendChild(document.createTextNode(": " + d.message + " "));
    li.appendChild(element("span", "okrsite-overlay-code", "[" + d.code + "]"));
    if (d.hint) li.appendChild(element("p", "okrsite-overlay-hint", "hint: " + d.hint));
    return li;
  }

  function show(update) {
    var diagnostics = update.diagnostics;
    var key = JSON.stringify(diagnostics);
    if (key === dismissed) return;
    var errors = update.errors, warnings = update.warnings;
    var fresh = !overlay;
    if (fresh) {
      overlay = element("div", "okrsite-overlay");
      overlay.setAttribute("role", "alertdialog");
      overlay.setAttribute("aria-modal", "false");
      overlay.setAttribute("aria-labelledby", "okrsite-overlay-title");
      overlay.setAttribute("aria-describedby", "okrsite-overlay-note");
      overlay.tabIndex = -1;
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var box = element("div", "okrsite-overlay-box");
    var title = element("h2", "okrsite-overlay-title", "The site did not build: " + counted(errors, "error") +
                        (warnings ? ", " + counted(warnings, "warning") : ""));
    title.id = "okrsite-overlay-title";
    var note = element("p", "okrsite-overlay-note",
                       "This is the last good build. Fix the file and save: this message goes away by itself.");
    note.id = "okrsite-overlay-note";
    var list = element("ol", "okrsite-overlay-list");
    diagnostics.forEach(function (d) { list.appendChild(item(d)); });
    var more = errors + warnings - diagnostics.length;
    var close = element("button", "okrsite-overlay-close", "Close");
    close.type = "button";
    close.addEventListener("click", dismiss);
    box.appendChild(title);
    box.appendChild(note);
    box.appendChild(list);
    if (more > 0) {
      box.appendChild(element("p", "okrsite-overlay-note",
                              "… and " + more + " more: `okrsite check` lists them all."));
    }
    box.appendChild(close);
    overlay.appendChild(box);
    overlay.setAttribute("data-key", key);
    if (fresh) {
      returnFocus = document.activeElement;
      overlay.focus();
    }
  }

  function hide() {
    dismissed = "";
    if (!overlay) return;
    var had = overlay.contains(document.activeElement);
    overlay.remove();
    overlay = null;
    if (had && returnFocus && returnFocus.focus) returnFocus.focus();
  }

  function dismiss() {
    var key = overlay ? overlay.getAttribute("data-key") : "";
    hide();
    dismissed = key;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && overlay) dismiss();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") disconnect(); else connect();
  });
  window.addEventListener("pagehide", disconnect);
  window.addEventListener("pageshow", connect);
  connect();
})();

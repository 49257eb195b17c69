// okrsite default theme: small progressive enhancements. Every page is complete without it.
(function () {
  "use strict";

  // Opened from disk (file://), a link to "folder/" shows a directory listing: point it at
  // folder/index.html instead. Over HTTP the pretty URLs stay as they are.
  function fixFileLinks() {
    if (location.protocol !== "file:") return;
    document.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === "#") return;
      var parts = href.split("#");
      if (parts[0] === "" ) return;
      if (/\/$/.test(parts[0]) || parts[0] === "." || parts[0] === "..") {
        parts[0] = parts[0].replace(/\/?$/, "/") + "index.html";
        a.setAttribute("href", parts.join("#"));
      }
    });
  }

  // Cycle page filters: by status, owner and tag, kept in the URL (#status=at-risk&owner=x).
  function setupFilters() {
    var form = document.querySelector("[data-filter-form]");
    if (!form) return;
    form.hidden = false;
    var items = Array.prototype.slice.call(document.querySelectorAll(".okr-item[data-status]"));
    var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
    var count = form.querySelector("[data-filter-count]");
    var none = form.querySelector("[data-filter-none]");

    function current() {
      var out = {};
      ["status", "owner", "tag"].forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) out[name] = field.value;
      });
      return out;
    }
    function apply(event) {
      var f = current();
      var shown = 0;
      items.forEach(function (item) {
        var tags = (item.getAttribute("data-tags") || "").split(" ");
        var ok = (!f.status || item.getAttribute("data-status") === f.status) &&
                 (!f.owner || item.getAttribute("data-owner") === f.owner) &&
                 (!f.tag || tags.indexOf(f.tag) >= 0);
        if (ok) { item.removeAttribute("data-filtered-out"); shown++; }
        else item.setAttribute("data-filtered-out", "");
      });
      groups.forEach(function (group) {
        var visible = group.querySelector(".okr-item:not([data-filtered-out])");
        if (visible) group.removeAttribute("data-filtered-out");
        else group.setAttribute("data-filtered-out", "");
      });
      if (count) {
        count.textContent = count.getAttribute("data-template")
          .replace("{shown}", String(shown)).replace("{total}", String(items.length));
      }
      if (none) none.hidden = shown !== 0;
      var hash = Object.keys(f).map(function (k) {
        return encodeURIComponent(k) + "=" + encodeURIComponent(f[k]);
      }).join("&");
      if (event && history.replaceState) {
        history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
      }
    }
    function fromHash() {
      var params = {};
      location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
        var kv = pair.split("=");
        if (kv.length === 2) params[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]);
      });
      ["status", "owner", "tag"].forEach(function (name) {
        var field = form.elements[name];
        if (field && params[name] !== undefined) {
          var known = Array.prototype.some.call(field.options, function (o) { return o.value === params[name]; });
          if (known) field.value = params[name];
        }
      });
    }
    form.addEventListener("change", apply);
    // After a reset the fields hold their defaults only once the event is over.
    form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    fromHash();
    apply(null);
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () { fixFileLinks(); setupFilters(); });
})();

// okrsite search page: full text through Pagefind when the site is served over HTTP and its
// index exists; otherwise (opened from disk, or no index) titles, owners and tags from
// search/index.js. Results are built with textContent: nothing from the index becomes markup.
(function () {
  "use strict";
  var form = document.querySelector("[data-search]");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = document.querySelector("[data-search-results]");
  var status = document.querySelector("[data-search-status]");
  var root = new URL(form.getAttribute("data-root"), location.href);
  var pagefind = null;

  function say(text) { status.textContent = text; }

  function note(text) {
    var element = document.querySelector("[data-search-note]");
    element.textContent = text;
    element.hidden = false;
  }

  function item(url, title, detail, excerpt) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = url;
    a.textContent = title;
    li.appendChild(a);
    if (detail) {
      var span = document.createElement("span");
      span.className = "muted small";
      span.textContent = " " + detail;
      li.appendChild(span);
    }
    if (excerpt) {
      var p = document.createElement("p");
      p.className = "search-excerpt";
      // Pagefind marks hits with <mark>; keep those and nothing else.
      excerpt.split(/(<mark>.*?<\/mark>)/).forEach(function (part) {
        var hit = /^<mark>(.*)<\/mark>$/.exec(part);
        var node = hit ? document.createElement("mark") : document.createTextNode("");
        node.textContent = decode(hit ? hit[1] : part);
        p.appendChild(node);
      });
      li.appendChild(p);
    }
    return li;
  }

  function decode(html) {
    var t = document.createElement("textarea");
    t.innerHTML = html; // a textarea decodes entities and never runs or builds markup
    return t.value;
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (r) { list.appendChild(r); });
    say(results.length ? form.getAttribute("data-count").replace("{count}", results.length)
                       : form.getAttribute("data-none"));
  }

  function loadFallback() {
    return new Promise(function (resolve) {
      if (window.OKRSITE_SEARCH) return resolve(window.OKRSITE_SEARCH);
      var s = document.createElement("script");
      s.src = form.getAttribute("data-index");
      s.onload = function () { resolve(window.OKRSITE_SEARCH || []); };
      s.onerror = function () { resolve([]); };
      document.head.appendChild(s);
    });
  }

  function fallback(query) {
    return loadFallback().then(function (records) {
      var words = query.toLowerCase().split(/\s+/).filter(Boolean);
      var found = records.filter(function (r) {
        var text = r.slice(0, 5).join(" ").toLowerCase();
        return words.every(function (w) { return text.indexOf(w) >= 0; });
      }).slice(0, 100);
      show(found.map(function (r) {
        return item(new URL(r[5], root).href, r[0], [r[1], r[4]].filter(Boolean).join(" · "), "");
      }));
    });
  }

  function full(query) {
    return pagefind.search(query).then(function (search) {
      return Promise.all(search.results.slice(0, 30).map(function (r) { return r.data(); }));
    }).then(function (pages) {
      show(pages.map(function (d) {
        return item(d.url, (d.meta && d.meta.title) || d.url, (d.meta && d.meta.owner) || "", d.excerpt);
      }));
    });
  }

  function run(query) {
    if (!query.trim()) { list.textContent = ""; say(""); return; }
    if (pagefind) return full(query).catch(function () { return fallback(query); });
    return fallback(query);
  }

  function start() {
    var query = new URLSearchParams(location.search).get("q") || "";
    input.value = query;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = input.value;
      if (history.replaceState) history.replaceState(null, "", "?q=" + encodeURIComponent(q));
      run(q);
    });
    run(query);
  }

  if (location.protocol === "file:" || form.getAttribute("data-fulltext") !== "pagefind") {
    note(form.getAttribute(location.protocol === "file:" ? "data-offline" : "data-titles-only"));
    start();
    return;
  }
  import(new URL("pagefind/pagefind.js", root).href).then(function (module) {
    pagefind = module;
    return pagefind.options({ baseUrl: root.pathname });
  }).catch(function () {
    pagefind = null;
    note(form.getAttribute("data-offline"));
  }).then(start);
})();

// Search box of the briefing archive. Runs from file:// and any static host:
// the data comes from search-index.js (window.BRIEFING_INDEX), which names one
// script per month (each adds window.BRIEFING_INDEX_PARTS[month]), all loaded by
// <script src> because pages opened from file:// may not fetch() files. They are
// loaded on demand (the box gets focus or a query arrives in ?q=): an archive
// of thousands of briefs has an index of megabytes the front page must not wait for.
// Every text from a brief is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var MAX_RESULTS = 50;
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  var status = document.getElementById("search-status");
  var index = null;  // {briefs: [...]}, once every part is loaded
  if (!input || !list) { return; }
  var loading = false;

  function addScript(src, done, failed) {
    var script = document.createElement("script");
    script.src = src;
    script.onload = done;
    script.onerror = failed;
    document.head.appendChild(script);
  }

  function loadParts(root, then) {
    // The month parts, all at once; the archive is their briefs in the index's order.
    var parts = root.parts || [], waiting = parts.length, failed = false;
    var base = (input.getAttribute("data-index") || "search-index.js").replace(/[^\/]*$/, "");
    function settled() {
      waiting -= 1;
      if (waiting > 0) { return; }
      if (failed) { status.textContent = "The search index could not be loaded."; return; }
      var loaded = window.BRIEFING_INDEX_PARTS || {}, briefs = [];
      parts.forEach(function (part) {
        var data = loaded[part.month];
        if (data) { briefs = briefs.concat(data.briefs); }
      });
      index = {briefs: briefs};
      status.textContent = "";
      then();
    }
    if (waiting === 0) { waiting = 1; settled(); return; }
    parts.forEach(function (part) {
      addScript(base + part.src, settled, function () { failed = true; settled(); });
    });
  }

  function load(then) {
    if (index) { then(); return; }
    if (loading) { return; }
    loading = true;
    status.textContent = "Loading the search index…";
    addScript(input.getAttribute("data-index") || "search-index.js", function () {
      var root = window.BRIEFING_INDEX || null;
      if (!root) { status.textContent = "The search index could not be read."; return; }
      loadParts(root, then);
    }, function () { status.textContent = "The search index could not be loaded."; });
  }

  function fold(text) {
    // Case- and accent-insensitive, like the FTS5 index (unicode61, remove_diacritics).
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function terms(query) {
    return fold(query).split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 0; });
  }

  function count(haystack, term) {
    var n = 0, at = haystack.indexOf(term);
    while (at !== -1) { n += 1; at = haystack.indexOf(term, at + term.length); }
    return n;
  }

  function scoreItem(item, words) {
    // Every word must appear somewhere in the story; headline words weigh most.
    var headline = fold(item.headline), bullets = fold(item.bullets.join(" \n ")),
        sources = fold(item.sources.join(" \n "));
    var score = 0;
    for (var i = 0; i < words.length; i++) {
      var h = count(headline, words[i]), b = count(bullets, words[i]), s = count(sources, words[i]);
      if (h + b + s === 0) { return 0; }
      score += 4 * h + b + 0.5 * s;
    }
    return score;
  }

  function snippetText(item, words) {
    var texts = [item.headline].concat(item.bullets, item.sources);
    for (var i = 0; i < texts.length; i++) {
      if (fold(texts[i]).indexOf(words[0]) !== -1) { return texts[i]; }
    }
    return item.headline;
  }

  function appendMarked(parent, text, words) {
    // Folding keeps lengths for nearly all text; when it does not, show it unmarked.
    var folded = fold(text);
    if (folded.length !== text.length) { parent.appendChild(document.createTextNode(text)); return; }
    var pos = 0;
    while (pos < text.length) {
      var next = -1, len = 0;
      for (var i = 0; i < words.length; i++) {
        var at = folded.indexOf(words[i], pos);
        if (at !== -1 && (next === -1 || at < next)) { next = at; len = words[i].length; }
      }
      if (next === -1) { break; }
      parent.appendChild(document.createTextNode(text.slice(pos, next)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(next, next + len);
      parent.appendChild(mark);
      pos = next + len;
    }
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function link(href, text, className) {
    var a = document.createElement("a");
    a.href = href;  // relative paths written by briefing, never data from an article
    a.textContent = text;
    if (className) { a.className = className; }
    return a;
  }

  function search(query) {
    var words = terms(query);
    var hits = [];
    if (words.length === 0 || !index) { return hits; }
    index.briefs.forEach(function (brief) {
      var best = null, total = 0;
      brief.items.forEach(function (item) {
        var score = scoreItem(item, words);
        total += score;
        if (score > 0 && (best === null || score > best.score)) { best = {item: item, score: score}; }
      });
      if (best) { hits.push({brief: brief, item: best.item, score: total}); }
    });
    hits.sort(function (a, b) {
      return b.score - a.score || (a.brief.day < b.brief.day ? 1 : a.brief.day > b.brief.day ? -1 : 0);
    });
    return hits.slice(0, MAX_RESULTS).map(function (hit) { hit.words = words; return hit; });
  }

  function show(query) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    var hits = search(query);
    if (!query.trim()) { status.textContent = ""; return; }
    status.textContent = hits.length === 0 ? "No brief matches." :
      hits.length + (hits.length === 1 ? " brief matches." : " briefs match.");
    hits.forEach(function (hit) {
      var li = document.createElement("li");
      li.className = "result";
      li.setAttribute("data-key", hit.brief.key);
      li.appendChild(link(hit.brief.page, hit.brief.title + " — " + hit.brief.day, "title"));
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = " " + hit.brief.profile + " · " + hit.brief.stories + " stories ";
      li.appendChild(meta);
      if (hit.brief.pdf) { li.appendChild(link(hit.brief.pdf, "PDF", "pdf")); }
      var snippet = document.createElement("span");
      snippet.className = "snippet";
      appendMarked(snippet, snippetText(hit.item, hit.words), hit.words);
      li.appendChild(snippet);
      list.appendChild(li);
    });
  }

  var timer = null;
  input.addEventListener("focus", function () { load(function () { show(input.value); }); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(function () { show(input.value); }); }, 80);
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; load(function () { show(initial); }); }
}());

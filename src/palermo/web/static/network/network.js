// Network tab: the case graph drawn with Cytoscape.js (shipped in static/vendor, installed
// by npm at build time). Data: GET the URL in the container's data-url. Zoom, pan, search,
// focus on a person's neighbourhood, phones and accounts inside their holders (expand and
// collapse), groups laid apart, filters by role, evidence and time, PNG export.
// No inline script, no eval, styles as JS objects: it runs under the page's CSP.
// The tables on the page carry the same facts.
(function () {
  "use strict";
  var box = document.getElementById("nw-canvas");
  if (!box) { return; }
  var statusEl = document.getElementById("nw-status");
  var panel = document.getElementById("nw-panel");
  var roleSel = document.getElementById("nw-role");
  var colourSel = document.getElementById("nw-colour");
  var minorBox = document.getElementById("nw-minor");
  var search = document.getElementById("nw-search");
  var names = document.getElementById("nw-names");
  var hopsSel = document.getElementById("nw-hops");
  var fromRange = document.getElementById("nw-from");
  var toRange = document.getElementById("nw-to");
  var timeOut = document.getElementById("nw-time-out");
  var clearBtn = document.getElementById("nw-clear");
  var expandAllBtn = document.getElementById("nw-expand-all");
  var kindBoxes = Array.prototype.slice.call(document.querySelectorAll(".nw-kind"));
  var EVIDENCE = ["call", "message", "payment", "trip"];
  var KIND_COLOURS = { suspect: "#b91c1c", official: "#b45309", victim: "#1d4ed8", witness: "#0f766e" };
  var TYPE_COLOURS = { person: "#475569", phone: "#94a3b8", account: "#d97706", organisation: "#7c3aed", cash: "#15803d" };
  var GROUP_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var TYPE_WORDS = { phone: "Phone", account: "Account", email: "Email", handle: "Handle", ad: "Advert", address: "Address", organisation: "Organisation" };
  var EDGE_WORDS = { link: "advert and organisation links" };
  var SHAPES = { person: "ellipse", phone: "round-rectangle", account: "diamond", organisation: "triangle", cash: "hexagon" };
  var LABEL_PX = 12;  // label size on screen, whatever the zoom
  var zoomNow = 1;  // the zoom the label sizes were last computed for
  function px(size) { return function () { return size / zoomNow; }; }

  var cy = null, json = null, roleLabels = {}, signalsBy = {}, days = [];
  var focusId = null, selectedId = null;

  function say(text) { statusEl.textContent = text; }
  function el(tag, value, cls) {
    var e = document.createElement(tag); if (value !== undefined) { e.textContent = value; } if (cls) { e.className = cls; } return e;
  }

  if (typeof window.cytoscape !== "function") {
    box.classList.add("nw-missing");
    box.setAttribute("data-ready", "missing");
    box.appendChild(el("p", "The interactive picture cannot be drawn: its graph library (static/vendor/cytoscape.min.js) is not installed with this copy of Palermo. Ask whoever installed it to run the install step again. The tables below carry the same information.", "nw-missing-text"));
    say("The interactive picture is unavailable; the tables below have the same information.");
    return;
  }
  var hasFcose = typeof window.cytoscapeFcose === "function";
  if (hasFcose) { window.cytoscape.use(window.cytoscapeFcose); }

  // -- labels -----------------------------------------------------------------------------
  function nodeLabel(n) {
    if (n.type === "person" || n.type === "organisation") { return n.label; }
    if (n.type === "cash") {
      var parts = String(n.label).split(":");
      return "Cash " + (parts[0] === "in" ? "paid in" : "taken out") + (parts[1] ? " (" + parts[1] + ")" : "");
    }
    return (TYPE_WORDS[n.type] || "Other") + " " + n.label;
  }
  function roleText(n) {
    if (!n.role) { return ""; }
    return (roleLabels[n.role] || n.role) + (n.confirmed ? " ✔" : " (suggested)");
  }
  function heldLabel(h) { return (TYPE_WORDS[h.type] || h.type) + " " + (h.label || "(hidden)"); }

  // -- elements ---------------------------------------------------------------------------
  function dayIndex(iso) {
    if (!iso) { return -1; }
    var lo = 0, hi = days.length - 1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (days[mid] < iso) { lo = mid + 1; } else if (days[mid] > iso) { hi = mid - 1; } else { return mid; } }
    return lo;
  }

  function elements() {
    var out = [], seenDays = {};
    json.graph.edges.forEach(function (e) {
      if (e.first) { seenDays[e.first] = true; } if (e.last) { seenDays[e.last] = true; }
    });
    days = Object.keys(seenDays).sort();
    json.graph.nodes.forEach(function (n) {
      var text = nodeLabel(n), role = roleText(n);
      out.push({ group: "nodes", data: {
        id: n.id, type: n.type, name: text, label: role ? text + "\n" + role : text,
        role: n.role || "", confirmed: !!n.confirmed, kind: n.kind || "",
        community: n.community === undefined ? -1 : n.community,
        size: 18 + Math.min(26, Math.sqrt(n.importance || 0) * 2.2),
        holds: n.holds || [], holdsMore: n.holds_more || 0, raw: n
      } });
    });
    json.graph.edges.forEach(function (e, i) {
      var evidence = e.kinds.filter(function (k) { return EVIDENCE.indexOf(k) >= 0; });
      out.push({ group: "edges", data: {
        id: "e" + i, source: e.source, target: e.target, weight: e.weight,
        width: Math.min(6, 0.8 + Math.log(1 + e.weight) * 0.7),
        evidence: evidence, counts: e.counts, amount: e.amount,
        first: dayIndex(e.first), last: dayIndex(e.last || e.first), money: e.kinds.indexOf("payment") >= 0
      } });
    });
    return out;
  }

  function colour(node) {
    if (node.data("held")) { return TYPE_COLOURS[node.data("type")] || "#94a3b8"; }
    if (colourSel && colourSel.value === "community") {
      var c = node.data("community");
      return c >= 0 ? GROUP_COLOURS[c % GROUP_COLOURS.length] : "#cbd5e1";
    }
    if (node.data("type") === "person") { return KIND_COLOURS[node.data("kind")] || TYPE_COLOURS.person; }
    return TYPE_COLOURS[node.data("type")] || "#64748b";
  }

  function stylesheet() {
    return [
      { selector: "node", style: {
        "background-color": colour, "shape": function (n) { return SHAPES[n.data("type")] || "triangle"; },
        "width": "data(size)", "height": "data(size)", "label": "data(label)",
        "font-size": px(LABEL_PX), "font-family": "DejaVu Sans, Arial, sans-serif", "color": "#111827",
        "text-valign": "bottom", "text-halign": "center", "text-margin-y": px(3),
        "text-wrap": "wrap", "text-max-width": px(160),
        "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": px(2),
        "text-background-shape": "round-rectangle",
        "min-zoomed-font-size": 7, "border-width": 0
      } },
      { selector: "node[type != 'person'][type != 'organisation']", style: { "font-size": px(LABEL_PX - 2) } },
      { selector: "node[role != '']", style: { "border-width": 3, "border-color": "#111827", "border-style": "dashed" } },
      { selector: "node[?confirmed]", style: { "border-style": "solid" } },
      { selector: "node:parent", style: {
        "background-opacity": 0.08, "background-color": colour, "border-width": 2, "border-color": colour, "border-style": "solid",
        "shape": "round-rectangle", "padding": 10, "text-valign": "top", "text-margin-y": px(-3)
      } },
      { selector: "node[?held]", style: { "width": 14, "height": 14, "font-size": px(LABEL_PX - 3) } },
      { selector: "node.nw-nolabel", style: { "text-opacity": 0, "text-background-opacity": 0 } },
      { selector: "node:selected, node.nw-focus", style: { "border-width": 4, "border-color": "#f59e0b", "border-style": "solid" } },
      { selector: "node.nw-faded", style: { "opacity": 0.35 } },
      { selector: ".nw-hidden", style: { "display": "none" } },
      { selector: "edge", style: {
        "width": "data(width)", "line-color": "#94a3b8", "opacity": 0.55, "curve-style": "haystack"
      } },
      { selector: "edge[?money]", style: { "line-color": "#15803d" } },
      { selector: "edge.nw-hot", style: { "line-color": "#1f4a8a", "opacity": 0.95 } },
      { selector: "edge.nw-faded", style: { "opacity": 0.15 } }
    ];
  }

  // -- layout: groups apart -----------------------------------------------------------------
  // The server sends where to draw each node (x, y in [0, 1], groups apart); spread over
  // an area that grows with the number of nodes. Without them, the layout runs here.
  function runLayout(fitAfter) {
    var nodes = json.graph.nodes;
    if (nodes.length && nodes.every(function (n) { return typeof n.x === "number" && typeof n.y === "number"; })) {
      var side = 160 * Math.sqrt(nodes.length) + 200;
      var pos = {};
      nodes.forEach(function (n) { pos[n.id] = { x: n.x * side, y: n.y * side }; });
      cy.layout({ name: "preset", positions: function (node) { return pos[node.id()]; }, fit: false, animate: false }).run();
    } else {
      forceLayout();
    }
    if (fitAfter) { fitReadable(cy.nodes().not(".nw-hidden")); }
  }

  function forceLayout() {
    var same = function (edge) {
      var a = edge.source().data("community"), b = edge.target().data("community");
      return a >= 0 && a === b;
    };
    var opts = hasFcose ? {
      name: "fcose", quality: "default", randomize: true, animate: false, fit: false,
      nodeSeparation: 90, nodeRepulsion: function () { return 9000; },
      idealEdgeLength: function (edge) { return same(edge) ? 70 : 260; },
      edgeElasticity: function (edge) { return same(edge) ? 0.45 : 0.05; },
      gravity: 0.2, gravityRangeCompound: 1.5, packComponents: true, numIter: 2500, tile: true
    } : { name: "cose", animate: false, fit: false, randomize: true,
          idealEdgeLength: function (edge) { return same(edge) ? 70 : 260; }, nodeRepulsion: function () { return 9000; } };
    cy.elements().layout(opts).run();
  }

  // Fit, but never so far out that nobody's name is readable: then centre on the most
  // important people and let the user zoom out.
  function fitReadable(nodes) {
    if (!nodes || !nodes.length) { return; }
    // The largest connected part first: that is where the people are.
    var parts = nodes.union(nodes.edgesWith(nodes)).components().sort(function (a, b) { return b.nodes().length - a.nodes().length; });
    var main = parts.length ? parts[0].nodes() : nodes;
    cy.fit(main, 30);
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(main); }  // a few nodes: not giant
    if (cy.zoom() < 0.8) {
      var top = main.filter("[type = 'person']").sort(function (a, b) { return b.data("size") - a.data("size"); });
      cy.zoom(0.8);
      cy.center(top.length ? top.slice(0, 1) : main);
    }
    tidyLabels();
  }

  // -- labels never overprint ---------------------------------------------------------------
  // Labels keep the same size on screen (the font is set per zoom), and of two labels that
  // would overlap the more important person's is drawn; the other shows on zooming in.
  var tidyTimer = null;
  function scheduleTidy() { if (tidyTimer) { clearTimeout(tidyTimer); } tidyTimer = setTimeout(tidyLabels, 80); }
  function priority(n) {
    if (n.hasClass("nw-focus") || n.selected()) { return 1e9; }
    var p = n.data("size");
    if (n.data("type") === "person") { p += 1000; }
    if (n.data("role")) { p += 2000; }
    if (n.data("held")) { p -= 500; }
    return p;
  }
  function tidyLabels() {
    if (!cy) { return; }
    var z = cy.zoom();
    if (Math.abs(z - zoomNow) > 1e-6) { zoomNow = z; cy.style().update(); }
    cy.batch(function () { cy.nodes().removeClass("nw-nolabel"); });
    var ext = cy.extent(), placed = [];
    var nodes = cy.nodes().filter(function (n) { return n.visible() && n.data("label"); }).toArray();
    nodes.sort(function (a, b) { return priority(b) - priority(a); });
    var hide = [];
    function hit(a, b) { return a.x1 < b.x2 && a.x2 > b.x1 && a.y1 < b.y2 && a.y2 > b.y1; }
    // Nodes in view (not compound boxes): a label is not drawn over another node either.
    // People's and organisations' bodies only: a name may cover a small phone mark.
    var bodies = cy.nodes().filter(function (n) {
      return n.visible() && !n.isParent() && (n.data("type") === "person" || n.data("type") === "organisation") && !n.data("held");
    }).map(function (n) {
      return { id: n.id(), rank: priority(n), box: n.boundingBox({ includeNodes: true, includeEdges: false, includeLabels: false, includeOverlays: false }) };
    }).filter(function (b) { return !(b.box.x2 < ext.x1 || b.box.x1 > ext.x2 || b.box.y2 < ext.y1 || b.box.y1 > ext.y2); });
    nodes.forEach(function (n) {
      var bb = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
      if (bb.x2 < ext.x1 || bb.x1 > ext.x2 || bb.y2 < ext.y1 || bb.y1 > ext.y2) { hide.push(n); return; }
      // Phones, accounts and adverts are named once the user zooms in.
      var minor = n.data("type") !== "person" && n.data("type") !== "organisation", rank = priority(n);
      if (minor && z < 1 && !n.selected()) { hide.push(n); return; }
      for (var i = 0; i < placed.length; i++) { if (hit(bb, placed[i])) { hide.push(n); return; } }
      for (var j = 0; j < bodies.length; j++) {
        // The more important person's name may cover a lesser one's mark, not the reverse.
        if (bodies[j].id !== n.id() && bodies[j].rank >= rank && !n.isParent() && hit(bb, bodies[j].box)) { hide.push(n); return; }
      }
      placed.push(bb);
    });
    cy.batch(function () { hide.forEach(function (n) { n.addClass("nw-nolabel"); }); });
  }

  // -- filters, focus, time -----------------------------------------------------------------
  function timeWindow() {
    if (!days.length || fromRange.disabled) { return null; }
    var a = Number(fromRange.value), b = Number(toRange.value);
    if (a > b) { var t = a; a = b; b = t; }
    if (a === 0 && b === days.length - 1) { return null; }
    return [a, b];
  }

  function edgeShown(edge, kinds, win) {
    var ev = edge.data("evidence");
    if (ev.length && !ev.some(function (k) { return kinds.indexOf(k) >= 0; })) { return false; }
    if (win) {
      var f = edge.data("first"), l = edge.data("last");
      if (f < 0) { return false; }  // undated links have no place in a time window
      if (l < win[0] || f > win[1]) { return false; }
    }
    return true;
  }

  function applyFilters() {
    if (!cy) { return; }
    var kinds = kindBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var win = timeWindow(), role = roleSel.value, showMinor = minorBox && minorBox.checked;
    cy.batch(function () {
      cy.elements().removeClass("nw-hidden nw-faded nw-hot");
      var top = cy.nodes().filter(function (n) { return !n.data("held"); });
      var edges = cy.edges().filter(function (e) { return !e.data("held"); });
      edges.forEach(function (e) { if (!edgeShown(e, kinds, win)) { e.addClass("nw-hidden"); } });
      var live = edges.not(".nw-hidden");
      top.forEach(function (n) {
        if (n.data("minor") && !showMinor) { n.addClass("nw-hidden"); return; }
        // In a time window, people and phones with no link in it are left out.
        if (win && n.id() !== focusId && n.connectedEdges().length && !n.connectedEdges().intersection(live).length) {
          n.addClass("nw-hidden");
        }
      });
      if (role) {
        var match = top.filter(function (n) { return role === "*" ? !!n.data("role") : n.data("role") === role; });
        var near = match.union(match.connectedEdges().intersection(live).connectedNodes());
        top.difference(near).addClass("nw-hidden");
        near.difference(match).addClass("nw-faded");
      }
      if (focusId) {
        var start = cy.getElementById(focusId);
        var keep = start, frontier = start, hops = Number(hopsSel.value) || 1;
        for (var h = 0; h < hops; h++) {
          var next = frontier.connectedEdges().not(".nw-hidden").connectedNodes().not(".nw-hidden").difference(keep);
          keep = keep.union(next); frontier = next;
        }
        top.difference(keep).addClass("nw-hidden");
        start.connectedEdges().addClass("nw-hot");
      }
      // Phones and accounts shown inside a holder follow the holder.
      cy.nodes("[?held]").forEach(function (h) { if (h.parent().hasClass("nw-hidden")) { h.addClass("nw-hidden"); } });
    });
    updateStatus();
    scheduleTidy();
  }

  function updateStatus() {
    var shown = cy.nodes().not(".nw-hidden").filter(function (n) { return !n.data("held"); });
    var people = shown.filter("[type = 'person']").length;
    var links = cy.edges().not(".nw-hidden").filter(function (e) {
      return !e.source().hasClass("nw-hidden") && !e.target().hasClass("nw-hidden");
    }).length;
    function count(n, one, many) { return n + " " + (n === 1 ? one : many); }
    var text = count(shown.length, "node", "nodes") + " (" + count(people, "person", "people") + ") and " + count(links, "link", "links") + " shown";
    if (json.graph.truncated) { text += ", of the " + json.graph.total_nodes + " in the case (the most connected are drawn)"; }
    if (focusId) { text += "; around " + cy.getElementById(focusId).data("name") + ", " + hopsSel.value + " step" + (hopsSel.value === "1" ? "" : "s"); }
    var win = timeWindow();
    if (win) { text += "; links seen " + days[win[0]] + " to " + days[win[1]]; }
    say(text + ". Click a node for details.");
    box.setAttribute("data-visible-nodes", String(shown.length));
    box.setAttribute("data-visible-edges", String(links));
  }

  function setFocus(id) {
    focusId = id;
    cy.nodes().removeClass("nw-focus");
    clearBtn.disabled = !id;
    if (id) { cy.getElementById(id).addClass("nw-focus"); }
    applyFilters();
    var shown = cy.nodes().not(".nw-hidden");
    if (id) {
      cy.animate({ fit: { eles: shown, padding: 40 }, duration: 250, complete: function () {
        if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(shown); }
        tidyLabels();
      } });
    }
    else { fitReadable(shown); }
  }

  function findNode(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) { return null; }
    var candidates = cy.nodes().filter(function (n) { return !n.data("held"); });
    var exact = candidates.filter(function (n) { return String(n.data("name")).toLowerCase() === q; });
    if (exact.length) { return exact[0]; }
    var part = candidates.filter(function (n) { return String(n.data("name")).toLowerCase().indexOf(q) >= 0; })
      .sort(function (a, b) { return (b.data("type") === "person") - (a.data("type") === "person") || b.data("size") - a.data("size"); });
    return part.length ? part[0] : null;
  }

  function focusSearch() {
    var n = findNode(search.value);
    if (!n) { say("Nobody called \"" + search.value + "\" in the picture."); return; }
    cy.elements().unselect(); n.select(); showNode(n); setFocus(n.id());
  }

  // -- expand and collapse ------------------------------------------------------------------
  function isExpanded(n) { return n.children().length > 0; }
  function expand(n) {
    var holds = n.data("holds") || [];
    if (!holds.length || isExpanded(n)) { return; }
    var p = n.position(), r = n.data("size");
    var add = holds.map(function (h, i) {
      var a = 2 * Math.PI * i / holds.length;
      return { group: "nodes", data: { id: n.id() + "/held/" + i, parent: n.id(), held: true, type: h.type, name: heldLabel(h), label: heldLabel(h), size: 14, role: "", confirmed: false, kind: "", community: n.data("community") },
               position: { x: p.x + Math.cos(a) * (r + 26), y: p.y + Math.sin(a) * (r + 26) } };
    });
    cy.add(add);
  }
  function collapse(n) { n.children().remove(); }
  function toggle(n) {
    if (isExpanded(n)) { collapse(n); } else { expand(n); }
    applyFilters();
    if (selectedId === n.id()) { showNode(n); }
  }

  // -- details panel --------------------------------------------------------------------------
  function showNode(n) {
    if (n.data("held")) { n = n.parent(); }
    selectedId = n.id();
    var raw = n.data("raw");
    panel.textContent = "";
    panel.appendChild(el("h3", n.data("name")));
    var dl = document.createElement("dl");
    function row(k, v) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); }
    row("Type", n.data("type") === "person" && n.data("kind") ? n.data("kind") : (TYPE_WORDS[n.data("type")] || n.data("type")));
    row("Role", n.data("role") ? roleText(raw) : "none suggested");
    if (n.data("community") >= 0) { row("Group", String(n.data("community"))); }
    var counts = {}, links = 0, amount = 0;
    n.connectedEdges().forEach(function (e) {
      if (e.data("held")) { return; }
      links += 1; amount += e.data("amount") || 0;
      var c = e.data("counts") || {};
      Object.keys(c).forEach(function (k) { counts[k] = (counts[k] || 0) + c[k]; });
    });
    row("Links", String(links));
    Object.keys(counts).forEach(function (k) { row(EDGE_WORDS[k] || k + " records", String(counts[k])); });
    if (amount) { row("Paid / received", amount.toFixed(2)); }
    panel.appendChild(dl);
    var actions = el("div", undefined, "nw-panel-actions");
    var focusBtn = el("button", "Focus on this " + (n.data("type") === "person" ? "person" : "node"), "button");
    focusBtn.type = "button";
    focusBtn.addEventListener("click", function () { setFocus(n.id()); });
    actions.appendChild(focusBtn);
    var holds = n.data("holds") || [];
    if (holds.length) {
      var t = el("button", (isExpanded(n) ? "Hide" : "Show") + " phones and accounts (" + (holds.length + n.data("holdsMore")) + ")", "button");
      t.type = "button"; t.setAttribute("aria-pressed", isExpanded(n) ? "true" : "false"); t.id = "nw-toggle-held";
      t.addEventListener("click", function () { toggle(n); });
      actions.appendChild(t);
    }
    panel.appendChild(actions);
    if (holds.length) {
      var ul = el("ul", undefined, "nw-signals nw-held");
      holds.forEach(function (h) { ul.appendChild(el("li", heldLabel(h))); });
      if (n.data("holdsMore")) { ul.appendChild(el("li", "and " + n.data("holdsMore") + " more", "muted")); }
      panel.appendChild(ul);
    }
    var sigs = signalsBy[n.id()] || [];
    if (sigs.length) {
      panel.appendChild(el("h4", "Signals"));
      var sl = el("ul", undefined, "nw-signals");
      sigs.forEach(function (s) {
        var li = document.createElement("li");
        li.appendChild(el("strong", s.role + ": " + s.because));
        li.appendChild(el("span", " (" + s.detail + ") ", "muted small"));
        li.appendChild(el("span", s.evidence.map(function (e) { return e.key; }).join(", "), "nw-ev"));
        sl.appendChild(li);
      });
      panel.appendChild(sl);
    }
    if (n.data("type") === "person") {
      var pid = n.id().split(":")[1], first = document.querySelector("[id^='role-" + pid + "-']");
      if (first) { var a = el("a", "See this person in the tables"); a.href = "#" + first.id; panel.appendChild(a); }
      else if (sigs.length && document.getElementById("roles-table")) {
        // The roles table is paged: the person's rows are on another page; show them all.
        var q = new URLSearchParams(location.search); q.set("roles_page", "all");
        var more = el("a", "See this person in the tables"); more.href = "?" + q.toString() + "#roles"; panel.appendChild(more);
      }
    }
  }

  // Small groups with no known person (two phones calling each other) clutter the
  // picture; they are hidden unless asked for, and counted in the status line.
  function markMinor() {
    cy.elements().components().forEach(function (comp) {
      var nodes = comp.nodes();
      var minor = nodes.filter("[type = 'person']").length === 0 && nodes.length <= 3;
      nodes.forEach(function (n) { n.data("minor", minor); });
    });
  }

  // -- export -----------------------------------------------------------------------------------
  function exportPng() {
    var blob = cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff", maxWidth: 8000, maxHeight: 8000 });
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url; a.download = (box.getAttribute("data-name") || "network") + ".png";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 5000);
  }

  // -- time slider ------------------------------------------------------------------------------
  function setupTime() {
    if (days.length < 2) { return; }
    [fromRange, toRange].forEach(function (r) { r.disabled = false; r.min = "0"; r.max = String(days.length - 1); });
    fromRange.value = "0"; toRange.value = String(days.length - 1);
    fromRange.setAttribute("aria-valuetext", days[0]); toRange.setAttribute("aria-valuetext", days[days.length - 1]);
    function moved() {
      var a = Number(fromRange.value), b = Number(toRange.value);
      if (a > b) { if (this === fromRange) { toRange.value = String(a); } else { fromRange.value = String(b); } }
      a = Number(fromRange.value); b = Number(toRange.value);
      fromRange.setAttribute("aria-valuetext", days[a]); toRange.setAttribute("aria-valuetext", days[b]);
      timeOut.textContent = (a === 0 && b === days.length - 1) ? "all dates (" + days[0] + " to " + days[days.length - 1] + ")" : days[a] + " to " + days[b];
      applyFilters();
    }
    fromRange.addEventListener("input", moved); toRange.addEventListener("input", moved);
    timeOut.textContent = "all dates (" + days[0] + " to " + days[days.length - 1] + ")";
  }

  // -- start ------------------------------------------------------------------------------------
  function build() {
    roleLabels = json.role_labels || {};
    (json.roles || []).forEach(function (r) {
      var key = "person:" + r.person_id;
      signalsBy[key] = signalsBy[key] || [];
      r.signals.forEach(function (s) { signalsBy[key].push({ role: r.label, because: s.because, detail: s.detail, evidence: s.evidence.slice(0, 5) }); });
    });
    cy = window.cytoscape({
      container: box, elements: elements(), style: stylesheet(),
      minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3, boxSelectionEnabled: false,
      textureOnViewport: false, hideEdgesOnViewport: json.graph.edges.length > 3000
    });
    box.palermoGraph = cy;
    markMinor();
    var seen = {};
    cy.nodes("[type = 'person']").forEach(function (n) {
      var name = n.data("name"); if (seen[name]) { return; } seen[name] = true;
      var o = document.createElement("option"); o.value = name; names.appendChild(o);
    });
    applyFilters();
    var clock = performance.now();
    runLayout(true);
    box.setAttribute("data-layout-ms", String(Math.round(performance.now() - clock)));
    setupTime();
    cy.on("tap", "node", function (evt) { showNode(evt.target); scheduleTidy(); });
    cy.on("dbltap", "node", function (evt) { var n = evt.target.data("held") ? evt.target.parent() : evt.target; if ((n.data("holds") || []).length) { toggle(n); } });
    cy.on("zoom", scheduleTidy);
    cy.on("pan", scheduleTidy);
    box.setAttribute("data-ready", "1");
    updateStatus();
  }

  function load() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { json = data; build(); })
      .catch(function (err) { box.setAttribute("data-ready", "error"); say("The picture could not be drawn (" + err.message + "); the tables below have the same information."); });
  }

  // -- controls and keyboard --------------------------------------------------------------------
  document.getElementById("nw-focus").addEventListener("click", function () {
    if (search.value.trim()) { focusSearch(); } else if (selectedId) { setFocus(selectedId); }
  });
  search.addEventListener("keydown", function (evt) { if (evt.key === "Enter") { evt.preventDefault(); focusSearch(); } });
  // A name picked from the list of suggestions focuses at once (typing waits for Enter).
  search.addEventListener("input", function (evt) {
    if (cy && (!evt.inputType || evt.inputType === "insertReplacementText") && findNode(search.value)) { focusSearch(); }
  });
  clearBtn.addEventListener("click", function () { setFocus(null); });
  hopsSel.addEventListener("change", function () { if (focusId) { setFocus(focusId); } });
  document.getElementById("nw-zoom-in").addEventListener("click", function () { cy.zoom({ level: cy.zoom() * 1.4, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } }); });
  document.getElementById("nw-zoom-out").addEventListener("click", function () { cy.zoom({ level: cy.zoom() / 1.4, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } }); });
  document.getElementById("nw-fit").addEventListener("click", function () { cy.fit(cy.nodes().not(".nw-hidden"), 30); tidyLabels(); });
  document.getElementById("nw-png").addEventListener("click", exportPng);
  expandAllBtn.addEventListener("click", function () {
    var open = expandAllBtn.getAttribute("aria-pressed") !== "true";
    cy.batch(function () { cy.nodes().forEach(function (n) { if (!n.data("held")) { if (open) { expand(n); } else { collapse(n); } } }); });
    expandAllBtn.setAttribute("aria-pressed", open ? "true" : "false");
    expandAllBtn.textContent = open ? "Hide phones and accounts" : "Show phones and accounts";
    applyFilters();
    if (selectedId) { showNode(cy.getElementById(selectedId)); }
  });
  roleSel.addEventListener("change", function () { applyFilters(); });
  if (colourSel) { colourSel.addEventListener("change", function () { cy.style(stylesheet()); tidyLabels(); }); }
  if (minorBox) { minorBox.addEventListener("change", function () { applyFilters(); }); }
  kindBoxes.forEach(function (b) { b.addEventListener("change", function () { applyFilters(); }); });
  document.addEventListener("keydown", function (evt) {
    var t = evt.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (evt.key === "/" && !typing && !evt.ctrlKey && !evt.metaKey && !evt.altKey) { evt.preventDefault(); search.focus(); search.select(); return; }
    if (evt.key === "Escape" && cy && (focusId || t === search)) {
      if (t === search) { search.value = ""; }
      if (focusId) { setFocus(null); }
    }
  });
  // Keyboard on the picture: arrow keys step through the people shown.
  box.addEventListener("keydown", function (evt) {
    if (!cy || (evt.key !== "ArrowRight" && evt.key !== "ArrowLeft")) { return; }
    var people = cy.nodes("[type = 'person']").not(".nw-hidden").sort(function (a, b) { return a.data("name") < b.data("name") ? -1 : 1; }).toArray();
    if (!people.length) { return; }
    var i = -1;
    people.forEach(function (p, k) { if (p.id() === selectedId) { i = k; } });
    var n = people[(i + (evt.key === "ArrowRight" ? 1 : -1) + people.length) % people.length];
    cy.elements().unselect(); n.select(); showNode(n);
    cy.animate({ center: { eles: n }, duration: 150, complete: tidyLabels });
    evt.preventDefault();
  });
  load();
}());

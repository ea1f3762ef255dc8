// Network tab: a small force layout on a canvas. Data: GET the URL in data-url.
// Fast enough for thousands of nodes: grid-bucketed repulsion, a fixed number of
// ticks, then drawing only on change. The tables on the page carry the same facts.
(function () {
  "use strict";
  var canvas = document.getElementById("nw-canvas");
  if (!canvas) { return; }
  var ctx2d = canvas.getContext("2d");
  var statusEl = document.getElementById("nw-status");
  var panel = document.getElementById("nw-panel");
  var roleSel = document.getElementById("nw-role");
  var minorBox = document.getElementById("nw-minor");
  var kindBoxes = Array.prototype.slice.call(document.querySelectorAll(".nw-kind"));
  var data = null, nodes = [], edges = [], byId = {}, selected = null;
  var roleLabels = {}, confirmedRoles = {}, signalsBy = {};
  var view = { x: 0, y: 0, k: 1 };
  var COLORS = { person: "#1f4a8a", phone: "#6b7280", account: "#b45309", organisation: "#7c3aed" };

  function size() {
    var r = canvas.getBoundingClientRect();
    canvas.width = Math.max(300, Math.floor(r.width));
    canvas.height = Math.max(300, Math.floor(r.height));
  }

  function visibleEdge(e) {
    var kinds = kindBoxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var evidence = e.kinds.filter(function (k) { return k === "call" || k === "message" || k === "payment" || k === "trip"; });
    if (evidence.length === 0) { return true; }  // ownership links stay
    return evidence.some(function (k) { return kinds.indexOf(k) >= 0; });
  }

  function visibleNode(n) {
    if (n.minor && !(minorBox && minorBox.checked)) { return false; }
    var r = roleSel.value;
    if (!r) { return true; }
    if (r === "*") { return !!n.role; }
    return n.role === r;
  }

  function layout() {
    var n = nodes.length, i, j, w = canvas.width, h = canvas.height;
    nodes.forEach(function (nd, idx) {
      var a = idx * 2.399963, rad = 10 * Math.sqrt(idx + 1);
      nd.x = w / 2 + rad * Math.cos(a); nd.y = h / 2 + rad * Math.sin(a); nd.vx = 0; nd.vy = 0;
    });
    var area = w * h, kdist = Math.sqrt(area / Math.max(n, 1)) * 0.9;
    var ticks = n > 2000 ? 80 : 200, cell = kdist * 2;
    for (var t = 0; t < ticks; t++) {
      var temp = (1 - t / ticks) * kdist * 0.6;
      var grid = {};
      for (i = 0; i < n; i++) {
        var nd = nodes[i], key = Math.floor(nd.x / cell) + ":" + Math.floor(nd.y / cell);
        (grid[key] = grid[key] || []).push(nd); nd.dx = 0; nd.dy = 0;
      }
      for (i = 0; i < n; i++) {
        var a1 = nodes[i], gx = Math.floor(a1.x / cell), gy = Math.floor(a1.y / cell);
        for (var ox = -1; ox <= 1; ox++) {
          for (var oy = -1; oy <= 1; oy++) {
            var bucket = grid[(gx + ox) + ":" + (gy + oy)];
            if (!bucket) { continue; }
            for (j = 0; j < bucket.length; j++) {
              var b = bucket[j]; if (b === a1) { continue; }
              var ddx = a1.x - b.x, ddy = a1.y - b.y, d2 = ddx * ddx + ddy * ddy + 0.01;
              var f = kdist * kdist / d2;
              a1.dx += ddx * f; a1.dy += ddy * f;
            }
          }
        }
      }
      for (i = 0; i < edges.length; i++) {
        var e = edges[i], s = e.s, d = e.d;
        var ex = s.x - d.x, ey = s.y - d.y, dist = Math.sqrt(ex * ex + ey * ey) + 0.01;
        var fa = dist / kdist;
        s.dx -= ex * fa; s.dy -= ey * fa; d.dx += ex * fa; d.dy += ey * fa;
      }
      for (i = 0; i < n; i++) {
        var q = nodes[i];
        q.dx += (w / 2 - q.x) * 0.02; q.dy += (h / 2 - q.y) * 0.02;  // gravity
        var len = Math.sqrt(q.dx * q.dx + q.dy * q.dy) + 0.01, step = Math.min(len, temp);
        q.x += q.dx / len * step; q.y += q.dy / len * step;
      }
    }
    fit();
  }

  function fit() {
    if (!nodes.length) { return; }
    var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    nodes.forEach(function (n) {
      if (!visibleNode(n)) { return; }
      minx = Math.min(minx, n.x); miny = Math.min(miny, n.y); maxx = Math.max(maxx, n.x); maxy = Math.max(maxy, n.y);
    });
    // Labels are drawn to the right of each node: keep room for them on that side.
    var padL = 20, padR = Math.min(180, canvas.width * 0.25), padV = 20;
    var k = Math.min((canvas.width - padL - padR) / Math.max(maxx - minx, 1), (canvas.height - 2 * padV) / Math.max(maxy - miny, 1));
    view.k = Math.min(k, 3); view.x = padL - minx * view.k + (canvas.width - padL - padR - (maxx - minx) * view.k) / 2;
    view.y = padV - miny * view.k + (canvas.height - 2 * padV - (maxy - miny) * view.k) / 2;
  }

  function radius(n) { return 3 + Math.min(9, Math.sqrt(n.importance || 0) * 0.8); }

  function shape(n, x, y, r) {
    ctx2d.beginPath();
    if (n.type === "person") { ctx2d.arc(x, y, r, 0, 2 * Math.PI); }
    else if (n.type === "phone") { ctx2d.rect(x - r, y - r, 2 * r, 2 * r); }
    else if (n.type === "account") { ctx2d.moveTo(x, y - r); ctx2d.lineTo(x + r, y); ctx2d.lineTo(x, y + r); ctx2d.lineTo(x - r, y); ctx2d.closePath(); }
    else { ctx2d.moveTo(x, y - r); ctx2d.lineTo(x + r, y + r); ctx2d.lineTo(x - r, y + r); ctx2d.closePath(); }
  }

  function draw() {
    ctx2d.clearRect(0, 0, canvas.width, canvas.height);
    var shown = {};
    nodes.forEach(function (n) { shown[n.id] = visibleNode(n); });
    ctx2d.lineWidth = 1;
    edges.forEach(function (e) {
      if (!visibleEdge(e) || !(shown[e.s.id] || shown[e.d.id])) { return; }
      var hot = selected && (e.s === selected || e.d === selected);
      ctx2d.strokeStyle = hot ? "rgba(31,74,138,.8)" : "rgba(100,116,139,.25)";
      ctx2d.lineWidth = hot ? 2 : Math.min(4, 0.5 + Math.log(1 + e.weight) * 0.5);
      ctx2d.beginPath();
      ctx2d.moveTo(e.s.x * view.k + view.x, e.s.y * view.k + view.y);
      ctx2d.lineTo(e.d.x * view.k + view.x, e.d.y * view.k + view.y);
      ctx2d.stroke();
    });
    nodes.forEach(function (n) {
      if (!shown[n.id]) { return; }
      var x = n.x * view.k + view.x, y = n.y * view.k + view.y, r = radius(n);
      shape(n, x, y, r);
      ctx2d.fillStyle = COLORS[n.type] || "#374151"; ctx2d.fill();
      if (n.role) {
        ctx2d.save();
        ctx2d.strokeStyle = "#111827"; ctx2d.lineWidth = 2;
        if (!n.confirmed) { ctx2d.setLineDash([3, 3]); }
        ctx2d.beginPath(); ctx2d.arc(x, y, r + 4, 0, 2 * Math.PI); ctx2d.stroke();
        ctx2d.restore();
      }
      if (n === selected) { ctx2d.strokeStyle = "#f59e0b"; ctx2d.lineWidth = 3; shape(n, x, y, r + 2); ctx2d.stroke(); }
      if (n.type === "person" && (n.role || nodes.length < 60 || n === selected)) {
        ctx2d.fillStyle = "#111827"; ctx2d.font = "11px sans-serif";
        ctx2d.fillText(n.label + (n.role ? " · " + (roleLabels[n.role] || n.role) + (n.confirmed ? " ✔" : " ?") : ""), x + r + 5, y + 4);
      }
    });
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag); el.textContent = value; if (cls) { el.className = cls; } return el;
  }

  function showNode(n) {
    selected = n; draw();
    panel.textContent = "";
    panel.appendChild(text("h3", n.label));
    var dl = document.createElement("dl");
    function row(k, v) { dl.appendChild(text("dt", k)); dl.appendChild(text("dd", v)); }
    row("Type", n.type);
    row("Role", n.role ? (roleLabels[n.role] || n.role) + (n.confirmed ? " (confirmed)" : " (suggested)") : "none suggested");
    var counts = {}, links = 0, amount = 0;
    edges.forEach(function (e) {
      if (e.s !== n && e.d !== n) { return; }
      links += 1; amount += e.amount || 0;
      Object.keys(e.counts).forEach(function (k) { counts[k] = (counts[k] || 0) + e.counts[k]; });
    });
    row("Links", String(links));
    Object.keys(counts).forEach(function (k) { row(k + " records", String(counts[k])); });
    if (amount) { row("Paid / received", amount.toFixed(2)); }
    panel.appendChild(dl);
    var sigs = signalsBy[n.id] || [];
    if (sigs.length) {
      panel.appendChild(text("h4", "Signals"));
      var ul = document.createElement("ul"); ul.className = "nw-signals";
      sigs.forEach(function (s) {
        var li = document.createElement("li");
        li.appendChild(text("strong", s.role + ": " + s.because));
        li.appendChild(text("span", " (" + s.detail + ") ", "muted small"));
        li.appendChild(text("span", s.evidence.map(function (e) { return e.key; }).join(", "), "nw-ev"));
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
    if (n.type === "person") {
      var a = document.createElement("a");
      a.href = "#role-" + n.id.split(":")[1]; a.textContent = "See this person in the tables";
      var pid = n.id.split(":")[1], first = document.querySelector("[id^='role-" + pid + "-']");
      if (first) { a.href = "#" + first.id; panel.appendChild(a); }
    }
  }

  // Small groups with no known person (two phones calling each other) clutter the
  // picture; they are hidden unless asked for, and always counted in the status line.
  function markMinor() {
    var adj = {}, seen = {};
    edges.forEach(function (e) {
      (adj[e.s.id] = adj[e.s.id] || []).push(e.d); (adj[e.d.id] = adj[e.d.id] || []).push(e.s);
    });
    nodes.forEach(function (start) {
      if (seen[start.id]) { return; }
      var comp = [start], stack = [start]; seen[start.id] = true;
      while (stack.length) {
        var cur = stack.pop();
        (adj[cur.id] || []).forEach(function (nb) { if (!seen[nb.id]) { seen[nb.id] = true; comp.push(nb); stack.push(nb); } });
      }
      var hasPerson = comp.some(function (n) { return n.type === "person"; });
      comp.forEach(function (n) { n.minor = !hasPerson && comp.length <= 3; });
    });
  }

  function pick(evt) {
    var r = canvas.getBoundingClientRect();
    var mx = (evt.clientX - r.left) * canvas.width / r.width, my = (evt.clientY - r.top) * canvas.height / r.height;
    var best = null, bestD = 15 * 15;
    nodes.forEach(function (n) {
      if (!visibleNode(n)) { return; }
      var dx = n.x * view.k + view.x - mx, dy = n.y * view.k + view.y - my, d = dx * dx + dy * dy;
      if (d < bestD) { best = n; bestD = d; }
    });
    if (best) { showNode(best); }
  }

  function load() {
    fetch(canvas.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (json) {
        data = json; roleLabels = json.role_labels || {};
        (json.roles || []).forEach(function (r) {
          var key = "person:" + r.person_id;
          (signalsBy[key] = signalsBy[key] || []);
          r.signals.forEach(function (s) { signalsBy[key].push({ role: r.label, because: s.because, detail: s.detail, evidence: s.evidence.slice(0, 5) }); });
        });
        nodes = json.graph.nodes; byId = {};
        nodes.forEach(function (n) { byId[n.id] = n; });
        edges = json.graph.edges.map(function (e) {
          return { s: byId[e.source], d: byId[e.target], weight: e.weight, kinds: e.kinds, counts: e.counts, amount: e.amount };
        }).filter(function (e) { return e.s && e.d; });
        markMinor();
        size(); layout(); draw();
        canvas.setAttribute("data-ready", "1");
        statusEl.textContent = nodes.length + " nodes and " + edges.length + " links drawn" +
          (json.graph.truncated ? " (the most connected of " + json.graph.total_nodes + ")" : "") + ". Click a node for details.";
      })
      .catch(function (err) { statusEl.textContent = "The picture could not be drawn (" + err.message + "); the tables below have the same information."; });
  }

  // Keyboard: arrow keys step through the people drawn, one at a time.
  canvas.addEventListener("keydown", function (evt) {
    if (evt.key !== "ArrowRight" && evt.key !== "ArrowLeft") { return; }
    var people = nodes.filter(function (n) { return n.type === "person" && visibleNode(n); });
    if (!people.length) { return; }
    var i = people.indexOf(selected), step = evt.key === "ArrowRight" ? 1 : -1;
    showNode(people[(i + step + people.length) % people.length]);
    evt.preventDefault();
  });
  // Where a node is drawn, in canvas pixels (for tests and tooling).
  canvas.palermoPosition = function (id) {
    var n = byId[id];
    return n ? [n.x * view.k + view.x, n.y * view.k + view.y] : null;
  };
  canvas.addEventListener("click", pick);
  roleSel.addEventListener("change", draw);
  if (minorBox) { minorBox.addEventListener("change", function () { fit(); draw(); }); }
  kindBoxes.forEach(function (b) { b.addEventListener("change", draw); });
  window.addEventListener("resize", function () { if (data) { size(); fit(); draw(); } });
  load();
}());

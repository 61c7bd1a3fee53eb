// intercloud's lab page: the map drawn from GET /api/v1/topology (the
// layout `intercloud graph` computes), kept live from the event stream and
// the links' and sessions' states; router tables, traces, link changes and
// the clouds' resources through the same API the CLI uses.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";

// S is the page's state.
const S = {
  topo: null,          // the Topology answer (internal/api)
  links: new Map(),    // link id -> LinkInfo
  sessions: [],        // lab session states
  status: null,
  node: null,          // selected router
  nodeTab: "route",
  link: null,          // selected link id
  trace: null,         // {req, res, segs}
  picking: [],         // routers clicked on the map in the trace tab
  events: [],          // newest last
  lastID: 0,
  view: null,          // viewBox [x, y, w, h]
};

// ---- API -------------------------------------------------------------

class APIError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

async function api(path, opts = {}) {
  const init = { credentials: "same-origin", headers: {} };
  if (opts.method) init.method = opts.method;
  if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch("/api/v1" + path, init);
  let body = null;
  try { body = await r.json(); } catch (e) { /* empty or not JSON */ }
  if (r.status === 401) showLogin();
  if (!r.ok) throw new APIError(r.status, (body && body.error) || r.statusText);
  return body;
}

// ---- small DOM helpers -----------------------------------------------

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function svg(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    e.setAttribute(k, v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

function ms(ns) {
  const v = ns / 1e6;
  if (v >= 100) return v.toFixed(0) + " ms";
  if (v >= 10) return v.toFixed(1) + " ms";
  return v.toFixed(2) + " ms";
}

function debounce(f, wait) {
  let t = null;
  return (...a) => { clearTimeout(t); t = setTimeout(() => f(...a), wait); };
}

// ---- start -----------------------------------------------------------

function showLogin() {
  $("app").hidden = true;
  $("login").hidden = false;
}

async function start() {
  try {
    S.status = await api("/status");
  } catch (e) {
    if (e.status !== 401) {
      $("login").hidden = false;
      $("login-error").textContent = "The lab does not answer: " + e.message;
    }
    return;
  }
  $("login").hidden = true;
  $("app").hidden = false;
  S.topo = await api("/topology");
  $("lab-name").textContent = S.topo.name || S.topo.title;
  document.title = "intercloud · " + (S.topo.name || S.topo.title);
  fillEndpoints();
  drawLegend();
  drawMap();
  fit();
  wire();
  await refresh();
  drawTimeline(); // its hint shows before the first event arrives
  follow();
  if (S.topo.clouds.length) loadClouds(); // the VMs, as trace ends
  // Sessions change without an event (a hold timer, a reconnect): poll
  // them and the links gently as well.
  setInterval(() => { if (!document.hidden) refresh(); }, 2000);
}

// refresh reads what changes and redraws it.
async function refresh() {
  try {
    const [st, links, sessions] = await Promise.all([api("/status"), api("/links"), api("/sessions")]);
    S.status = st;
    S.links = new Map(links.map((l) => [l.id, l]));
    S.sessions = sessions;
  } catch (e) {
    setLive(false, "lab unreachable");
    return;
  }
  paintState();
  drawCounts();
  if (S.link !== null) drawLinkPanel();
}

const refreshSoon = debounce(() => {
  refresh();
  if (S.node) loadNodeTable();
  if (!$("tab-clouds").hidden) loadClouds();
}, 250);

// ---- the map ---------------------------------------------------------

function shapePath(shape, x, y, w, h) {
  const r = Math.min(h / 2, w / 2);
  switch (shape) {
    case "pill":
      return `M${x + r},${y}H${x + w - r}A${r},${r} 0 0 1 ${x + w - r},${y + h}H${x + r}A${r},${r} 0 0 1 ${x + r},${y}Z`;
    case "hexagon": {
      const d = h / 2;
      return `M${x + d},${y}H${x + w - d}L${x + w},${y + h / 2}L${x + w - d},${y + h}H${x + d}L${x},${y + h / 2}Z`;
    }
    case "octagon": {
      const d = h * 0.3;
      return `M${x + d},${y}H${x + w - d}L${x + w},${y + d}V${y + h - d}L${x + w - d},${y + h}H${x + d}L${x},${y + h - d}V${y + d}Z`;
    }
    case "rounded":
    case "cloud": {
      const c = shape === "cloud" ? 16 : 8;
      return `M${x + c},${y}H${x + w - c}Q${x + w},${y} ${x + w},${y + c}V${y + h - c}Q${x + w},${y + h} ${x + w - c},${y + h}H${x + c}Q${x},${y + h} ${x},${y + h - c}V${y + c}Q${x},${y} ${x + c},${y}Z`;
    }
    default:
      return `M${x},${y}H${x + w}V${y + h}H${x}Z`;
  }
}

function edgePath(e) {
  const p = e.points;
  if (e.curve && p.length === 4) return `M${p[0]}C${p[1]} ${p[2]} ${p[3]}`;
  return "M" + p.map((q) => q.join(",")).join("L");
}

function sessionKey(a, b, vrf) { return a + "|" + b + "|" + (vrf || ""); }

function drawMap() {
  const t = S.topo;
  const m = $("map");
  m.replaceChildren();
  const areas = svg("g", { class: "areas" });
  for (const a of t.areas) {
    for (const b of a.boxes) {
      areas.append(svg("rect", { x: b[0], y: b[1], width: b[2], height: b[3], rx: 14, class: "area" }));
      areas.append(svg("text", { x: b[0] + 12, y: b[1] + 18, class: "area-label" }, "OSPF area " + a.id));
    }
  }
  const edges = svg("g", { class: "edges" });
  const labels = svg("g", { class: "edge-labels" });
  for (const e of t.edges) {
    const d = edgePath(e);
    const g = svg("g", { class: "edge" + (e.core ? " core" : ""), "data-link": e.id, "data-a": e.a, "data-b": e.b });
    g.append(svg("path", { d, class: "hit" }));
    g.append(svg("path", { d, class: "wire" }));
    g.append(svg("title", {}, `${e.a}:${e.a_interface} ${e.a_addr} — ${e.b}:${e.b_interface} ${e.b_addr}\n${e.subnet}, cost ${e.cost}`));
    g.addEventListener("click", (ev) => { ev.stopPropagation(); selectLink(e.id); });
    edges.append(g);
    if (e.label_box) {
      const [x, y, w, h] = e.label_box;
      const lg = svg("g", { class: "edge-label", "data-link": e.id });
      lg.append(svg("rect", { x: x + w / 2 - 30, y, width: 60, height: h, rx: 4 }));
      lg.append(svg("text", { x: x + w / 2, y: y + h / 2 + 4, class: "lat" }, ""));
      lg.append(svg("text", { x: x + w / 2, y: y + h + 11, class: "addr" }, e.subnet || ""));
      lg.addEventListener("click", (ev) => { ev.stopPropagation(); selectLink(e.id); });
      labels.append(lg);
    }
  }
  const sessions = svg("g", { class: "sessions", id: "sessions-layer" });
  for (const s of t.sessions) {
    if (!s.curve) continue;
    const [p0, c, p1] = s.curve;
    const g = svg("path", {
      d: `M${p0}Q${c} ${p1}`, class: "session", stroke: s.colour,
      "data-session": sessionKey(s.a, s.b, s.vrf), "data-kind": s.kind,
    });
    g.append(svg("title", {}, `${s.kind} ${s.a} — ${s.b}${s.vrf ? " (vrf " + s.vrf + ")" : ""}: ${(s.families || []).join(", ")}`));
    sessions.append(g);
  }
  const nodes = svg("g", { class: "nodes" });
  const clouds = new Map(t.clouds.map((c) => [c.node, c]));
  for (const n of t.nodes) {
    const g = svg("g", { class: "node role-" + n.role, "data-node": n.name, tabindex: 0 });
    g.append(svg("path", { d: shapePath(n.shape, n.x, n.y, n.w, n.h), fill: n.fill, stroke: n.stroke, class: "shape" }));
    const c = clouds.get(n.name);
    if (c) {
      g.append(svg("text", { x: n.x + n.w / 2, y: n.y + 22, class: "name" }, n.name));
      g.append(svg("text", { x: n.x + n.w / 2, y: n.y + 40, class: "sub" }, (c.join || []).join(", ")));
      for (const cp of c.computes.concat(c.routers || [])) {
        if (cp.x === undefined) continue;
        // A compute node (or the cloud's control node) is a box in its
        // cloud; clicking it shows its tables when the lab runs it as a
        // router.
        const what = cp.role ? `the ${cp.role} node` : "a compute node";
        const box = svg("g", { class: "compute-node" + (cp.role ? " role-" + cp.role : ""), "data-node": cp.name },
          svg("rect", { x: cp.x, y: cp.y, width: cp.w, height: cp.h, rx: 4, class: "compute" }),
          svg("text", { x: cp.x + cp.w / 2, y: cp.y + cp.h / 2 + 4, class: "compute-name" }, cp.name.replace(n.name + "-", "")),
          svg("title", {}, `${cp.name}, ${what} of ${n.name}${cp.loopback ? "\nloopback " + cp.loopback : ""}`));
        box.addEventListener("click", (ev) => { ev.stopPropagation(); nodeClicked(cp.name); });
        g.append(box);
      }
    } else {
      g.append(svg("text", { x: n.x + n.w / 2, y: n.y + n.h / 2 + 6, class: "name" }, n.name));
      g.append(svg("text", { x: n.x + n.w / 2, y: n.y + n.h + 13, class: "sub loopback" }, (n.loopback || "").replace("/32", "")));
      if (n.route_reflector) g.append(svg("text", { x: n.x + n.w - 6, y: n.y + 12, class: "badge" }, "RR"));
    }
    g.append(svg("title", {}, `${n.name} (${n.role}${n.route_reflector ? ", route reflector" : ""})${n.loopback ? "\nloopback " + n.loopback : ""}${n.asn ? "\nAS " + n.asn : ""}`));
    g.addEventListener("click", (ev) => { ev.stopPropagation(); nodeClicked(n.name); });
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") nodeClicked(n.name); });
    nodes.append(g);
  }
  const trace = svg("g", { class: "trace-layer", id: "trace-layer" });
  const world = svg("g", { id: "world" }, areas, edges, sessions, labels, nodes, trace);
  m.append(world);
  $("show-sessions").dispatchEvent(new Event("change"));
  $("show-addrs").dispatchEvent(new Event("change"));
}

// paintState colours links and sessions from the lab's live state.
function paintState() {
  for (const g of document.querySelectorAll("#map .edge")) {
    const li = S.links.get(+g.dataset.link);
    if (!li) continue;
    g.classList.toggle("down", !li.up);
    g.classList.toggle("up", li.up);
    g.classList.toggle("lossy", li.up && li.impairment.loss > 0);
    g.classList.toggle("selected", S.link === li.id);
  }
  for (const lg of document.querySelectorAll("#map .edge-label")) {
    const li = S.links.get(+lg.dataset.link);
    if (!li) continue;
    const im = li.impairment;
    // Latencies are set in whole or tenths of milliseconds: say 25 ms,
    // not 25.0 ms.
    let txt = li.up ? +(im.latency_ns / 1e6).toFixed(3) + " ms" : "down";
    if (li.up && im.loss > 0) txt += " · " + +(im.loss * 100).toFixed(2) + "% loss";
    lg.querySelector(".lat").textContent = txt;
    const w = Math.max(44, txt.length * 7.6 + 12);
    const r = lg.querySelector("rect");
    const cx = +lg.querySelector(".lat").getAttribute("x");
    r.setAttribute("x", cx - w / 2);
    r.setAttribute("width", w);
    lg.classList.toggle("down", !li.up);
    // A link with nothing to say (no latency, no loss, up) keeps quiet
    // unless addresses are shown.
    lg.classList.toggle("quiet", li.up && !im.latency_ns && !im.loss);
  }
  const states = new Map(S.sessions.map((s) => [sessionKey(s.a, s.b, s.vrf), s]));
  for (const p of document.querySelectorAll("#map .session")) {
    const s = states.get(p.dataset.session);
    p.classList.toggle("established", !!s && s.state === "Established");
    p.classList.toggle("failed", !!s && s.state !== "Established");
    p.classList.toggle("idle", !s);
    const t = p.querySelector("title");
    t.textContent = t.textContent.replace(/\nstate: .*$/s, "") + "\nstate: " + (s ? s.state + (s.reachable ? "" : " (ends do not route to each other)") : "not started (the cloud starts it)");
  }
  for (const g of document.querySelectorAll("#map .node, #map .compute-node")) g.classList.toggle("selected", g.dataset.node === S.node);
}

function drawCounts() {
  const st = S.status;
  if (!st) return;
  const down = st.links - st.links_up;
  const parts = [
    [`${st.routers} routers`, ""],
    [`links ${st.links_up}/${st.links} up`, down ? "bad" : "ok"],
    [`${st.adjacencies} IGP adjacencies`, ""],
    [`${st.ldp_sessions} LDP sessions`, ""],
    [`${st.lsps} LSPs`, ""],
    [`BGP ${st.bgp_established}/${st.bgp_sessions} established`, st.bgp_established < st.bgp_sessions ? "bad" : "ok"],
    [st.ready ? "converged" : "converging", st.ready ? "ok" : "warn"],
  ];
  $("counts").replaceChildren(...parts.map(([t, c]) => el("span", { class: "count " + c }, t)));
}

function drawLegend() {
  const lg = $("legend");
  const roles = new Set(S.topo.nodes.map((n) => n.role));
  const kinds = new Set(S.topo.sessions.map((s) => s.kind));
  const items = [];
  for (const r of S.topo.legend.roles) {
    if (!roles.has(r.role)) continue;
    items.push(el("span", { class: "key" }, el("i", { class: "swatch", style: null, "data-fill": r.fill, "data-stroke": r.stroke }), r.label));
  }
  items.push(el("span", { class: "key" }, el("i", { class: "line up" }), "link up"));
  items.push(el("span", { class: "key" }, el("i", { class: "line down" }), "link down"));
  for (const k of S.topo.legend.sessions) {
    if (!kinds.has(k.kind)) continue;
    items.push(el("span", { class: "key" }, el("i", { class: "dash", "data-stroke": k.colour }), k.label));
  }
  items.push(el("span", { class: "key" }, el("i", { class: "dash failed" }), "session not established"));
  items.push(el("span", { class: "key" }, el("i", { class: "line trace" }), "traced path"));
  lg.replaceChildren(...items);
  // Colours go through the DOM, not inline style attributes, which the
  // page's content security policy forbids.
  for (const i of lg.querySelectorAll("[data-fill]")) { i.style.background = i.dataset.fill; i.style.borderColor = i.dataset.stroke; }
  for (const i of lg.querySelectorAll(".dash[data-stroke]")) i.style.borderTopColor = i.dataset.stroke;
}

// ---- zoom and pan ----------------------------------------------------

function setView(v) {
  S.view = v;
  $("map").setAttribute("viewBox", v.map((x) => x.toFixed(1)).join(" "));
}

function fit() {
  const t = S.topo;
  setView([-10, -10, t.width + 20, t.height + 40]);
}

function wireZoom() {
  const m = $("map");
  const toWorld = (cx, cy) => {
    const r = m.getBoundingClientRect();
    const [x, y, w, h] = S.view;
    const s = Math.max(w / r.width, h / r.height);
    const ox = x + (w - r.width * s) / 2, oy = y + (h - r.height * s) / 2;
    return [ox + (cx - r.left) * s, oy + (cy - r.top) * s, s];
  };
  m.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const [wx, wy] = toWorld(ev.clientX, ev.clientY);
    const k = Math.exp(ev.deltaY * 0.0015);
    const [x, y, w, h] = S.view;
    setView([wx - (wx - x) * k, wy - (wy - y) * k, w * k, h * k]);
  }, { passive: false });
  let drag = null;
  m.addEventListener("pointerdown", (ev) => {
    if (ev.target.closest(".node, .edge, .edge-label")) return;
    drag = { x: ev.clientX, y: ev.clientY, v: S.view.slice(), moved: false };
    m.setPointerCapture(ev.pointerId);
  });
  m.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const [, , s] = toWorld(0, 0);
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    setView([drag.v[0] - dx * s, drag.v[1] - dy * s, drag.v[2], drag.v[3]]);
  });
  m.addEventListener("pointerup", () => { drag = null; });
}

// ---- side panel ------------------------------------------------------

function showTab(name) {
  for (const b of document.querySelectorAll("#side-tabs button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const t of ["node", "link", "trace", "clouds"]) $("tab-" + t).hidden = t !== name;
  if (name === "clouds") loadClouds();
}

function nodeClicked(name) {
  if (!$("tab-trace").hidden) {
    // In the trace tab, clicks pick the ends.
    S.picking.push(name);
    if (S.picking.length === 1) { $("trace-src").value = name; $("trace-dst").value = ""; }
    else { $("trace-dst").value = name; S.picking = []; runTrace(); }
    return;
  }
  selectNode(name);
}

const NODE_TABLES = [
  ["interfaces", "Interfaces"],
  ["route", "Routes"],
  ["lfib", "LFIB"],
  ["bgp summary", "BGP neighbours"],
  ["vrf", "VRFs"],
  ["bgp vpnv4", "VPN routes"],
  ["igp neighbors", "IGP"],
  ["ldp bindings", "LDP"],
  ["events", "Events"],
];

function tablesFor(n) {
  const core = n.role === "p" || n.role === "pe" || n.role === "rr";
  return NODE_TABLES.filter(([t]) => {
    if (t === "lfib" || t === "igp neighbors" || t === "ldp bindings") return core;
    if (t === "vrf") return n.role === "pe";
    if (t === "bgp vpnv4") return n.role === "pe" || n.route_reflector || n.role === "rr";
    return true;
  });
}

// nodeInfo is a router of the map: a node, or a compute node in a cloud.
function nodeInfo(name) {
  const n = S.topo.nodes.find((x) => x.name === name);
  if (n) return n;
  for (const c of S.topo.clouds) {
    const cp = c.computes.concat(c.routers || []).find((x) => x.name === name);
    if (cp) return { name, role: cp.role || "compute", loopback: cp.loopback, cloud: c.name };
  }
  return { name, role: "" };
}

function selectNode(name) {
  S.node = name;
  showTab("node");
  const n = nodeInfo(name);
  const tables = tablesFor(n);
  if (!tables.some(([t]) => t === S.nodeTab)) S.nodeTab = "route";
  const vrfs = vrfsOf(name);
  const facts = [
    n.role.toUpperCase() + (n.route_reflector ? " · route reflector" : "") + (n.cloud ? " of " + n.cloud : ""),
    n.loopback && "loopback " + n.loopback,
    n.asn && "AS " + n.asn,
    n.area && "area " + n.area,
  ].filter(Boolean).join(" · ");
  const tabs = el("div", { class: "subtabs" }, tables.map(([t, label]) =>
    el("button", { "data-table": t, class: t === S.nodeTab ? "on" : "", onclick: () => { S.nodeTab = t; selectNode(name); } }, label)));
  let vrfSel = null;
  if (vrfs.length && (S.nodeTab === "route")) {
    vrfSel = el("select", { id: "node-vrf", onchange: loadNodeTable },
      el("option", { value: "" }, "global table"), vrfs.map((v) => el("option", { value: v }, "vrf " + v)));
  }
  $("tab-node").replaceChildren(...[
    el("h2", { class: "node-title" }, name, " ", el("span", { class: "muted small" }, facts)),
    tabs,
    vrfSel,
    el("pre", { id: "node-table", class: "table" }, "loading…"),
  ].filter(Boolean));
  paintState();
  loadNodeTable();
}

function vrfsOf(node) {
  const out = new Set();
  for (const s of S.topo.sessions) if (s.vrf && s.a === node) out.add(s.vrf);
  for (const c of S.topo.clouds) if (c.vpn && c.attach === node) out.add(c.vpn);
  return [...out];
}

async function loadNodeTable() {
  const name = S.node;
  const pre = $("node-table");
  if (!name || !pre) return;
  const sel = $("node-vrf");
  const q = sel && sel.value ? "?vrf=" + encodeURIComponent(sel.value) : "";
  const table = S.nodeTab;
  try {
    const t = await api(`/nodes/${encodeURIComponent(name)}/${table.split(" ").map(encodeURIComponent).join("/")}${q}`);
    if (S.node !== name || S.nodeTab !== table) return;
    pre.textContent = t.text.trim() || "(empty)";
    pre.classList.remove("error");
  } catch (e) {
    if (S.node !== name || S.nodeTab !== table) return;
    pre.textContent = e.message;
    pre.classList.add("error");
  }
}

// ---- links -----------------------------------------------------------

function selectLink(id) {
  S.link = id;
  showTab("link");
  drawLinkPanel(true);
  paintState();
}

function linkEnds(e) { return [`${e.a}:${e.a_interface}`, `${e.b}:${e.b_interface}`]; }

// drawLinkPanel shows the selected link. A refresh updates its state,
// buttons and counters in place: the impairment form is built only when
// a link is selected (or an impairment applied), so what someone is
// typing there survives the page's refreshes.
function drawLinkPanel(rebuild = false) {
  const e = S.topo.edges.find((x) => x.id === S.link);
  const li = S.links.get(S.link);
  if (!e || !li) return;
  const [a, b] = linkEnds(e);
  const body = $("tab-link");
  const frames = [[a, li.a_stats], [b, li.b_stats]].map(([end, st]) =>
    `${end.padEnd(14)} sent ${st.tx_frames} (${st.tx_bytes} bytes), received ${st.rx_frames} (${st.rx_bytes} bytes)`).join("\n");
  if (!rebuild && body.dataset.link === String(e.id)) {
    body.querySelector(".link-state").replaceWith(linkState(li));
    $("link-down").disabled = !li.up;
    $("link-up").disabled = li.up;
    body.querySelector(".frames").textContent = frames;
    return;
  }
  body.dataset.link = e.id;
  const im = li.impairment;
  const num = (id, v, step, label, unit) => el("label", {}, label, el("input", { id, type: "number", min: 0, step, value: v }), unit);
  const form = el("form", { class: "impair", onsubmit: (ev) => { ev.preventDefault(); impair(e); } },
    num("imp-latency", +(im.latency_ns / 1e6).toFixed(3), "0.1", "latency ", " ms"),
    num("imp-jitter", +(im.jitter_ns / 1e6).toFixed(3), "0.1", "jitter ", " ms"),
    num("imp-loss", +(im.loss * 100).toFixed(3), "0.1", "loss ", " %"),
    el("button", { type: "submit" }, "Apply"));
  body.replaceChildren(
    el("h2", {}, `${e.a} — ${e.b}`),
    el("p", { class: "muted small" }, `${a} (${e.a_addr}) to ${b} (${e.b_addr}) · ${e.subnet} · cost ${e.cost}${e.area ? " · area " + e.area : ""}`),
    linkState(li),
    el("div", { class: "buttons" },
      el("button", { id: "link-down", class: "danger", disabled: !li.up, onclick: () => setUp(e, false) }, "Bring down"),
      el("button", { id: "link-up", disabled: li.up, onclick: () => setUp(e, true) }, "Bring up")),
    el("h3", {}, "Impairment (both ways)"),
    form,
    el("p", { class: "error", id: "link-error" }),
    el("h3", {}, "Frames"),
    el("pre", { class: "table frames" }, frames),
  );
}

function linkState(li) {
  return el("p", { class: "link-state " + (li.up ? "ok" : "bad") }, li.up ? "up" : "down");
}

async function setUp(e, up) {
  const [a, b] = linkEnds(e);
  try {
    await api(`/links/${encodeURIComponent(a)}/${encodeURIComponent(b)}`, { method: "PUT", body: { up } });
  } catch (err) {
    $("link-error").textContent = err.message;
  }
  refresh();
}

async function impair(e) {
  const [a, b] = linkEnds(e);
  const li = S.links.get(e.id);
  const val = (id) => +$(id).value || 0;
  const m = {
    latency_ns: Math.round(val("imp-latency") * 1e6),
    jitter_ns: Math.round(val("imp-jitter") * 1e6),
    loss: val("imp-loss") / 100,
    rate_bps: li ? li.impairment.rate_bps : 0,
  };
  try {
    const infos = await api(`/links/${encodeURIComponent(a)}/${encodeURIComponent(b)}`, { method: "PUT", body: { impairment: m } });
    for (const x of infos) S.links.set(x.id, x);
    drawLinkPanel(true); // the form now shows what the link has
    paintState();
  } catch (err) {
    $("link-error").textContent = err.message;
  }
  refresh();
}

// ---- trace -----------------------------------------------------------

function fillEndpoints(servers = []) {
  const names = S.topo.nodes.map((n) => n.name);
  // VMs are reached by address (the lab's names are its routers').
  const vms = servers.flatMap((s) => (s.addresses || []).map((a) => el("option", { value: a, label: `VM ${s.name} (${s.cloud})` })));
  $("endpoints").replaceChildren(...names.map((n) => el("option", { value: n })), ...vms);
  const vrfs = new Set();
  for (const s of S.topo.sessions) if (s.vrf) vrfs.add(s.vrf);
  for (const c of S.topo.clouds) if (c.vpn) vrfs.add(c.vpn);
  $("vrfs").replaceChildren(...[...vrfs].map((v) => el("option", { value: v })));
}

async function runTrace() {
  const req = { src: $("trace-src").value.trim(), dst: $("trace-dst").value.trim(), probes: 1 };
  const vrf = $("trace-vrf").value.trim();
  if (vrf) req.vrf = vrf;
  if (!req.src || !req.dst) return;
  const out = $("trace-out");
  out.classList.add("busy");
  $("trace-run").disabled = true;
  const again = S.trace && S.trace.req.src === req.src && S.trace.req.dst === req.dst ? S.trace.failures || 0 : 0;
  try {
    const res = await api("/trace", { method: "POST", body: req });
    S.trace = { req, res, at: new Date(), failures: res.reached ? 0 : again + 1 };
  } catch (e) {
    S.trace = { req, err: e.message, at: new Date(), failures: again + 1 };
  } finally {
    out.classList.remove("busy");
    $("trace-run").disabled = false;
  }
  drawTrace();
  // A trace taken while the network was still converging may fail;
  // try again a few times rather than leave a stale failure up.
  if (S.trace.failures && S.trace.failures <= 5 && $("trace-follow").checked) setTimeout(retrace, 2000);
}

const retrace = debounce(() => {
  if (S.trace && $("trace-follow").checked) runTrace();
}, 600);

// mapBoxes is where each router is drawn: nodes, and compute nodes
// inside their clouds.
function mapBoxes() {
  const m = new Map(S.topo.nodes.map((n) => [n.name, n]));
  for (const c of S.topo.clouds) {
    for (const cp of c.computes.concat(c.routers || [])) if (cp.x !== undefined) m.set(cp.name, { name: cp.name, x: cp.x, y: cp.y, w: cp.w, h: cp.h });
  }
  return m;
}

function labelStack(labels) {
  return (labels || []).map((l) => String(l.label)).join(" | ");
}

// tracePath turns the hops into segments on the map: for each hop, the
// node that answered and the link it was reached over (its address is on
// the receiving interface, which names the link when routers have
// parallel links).
function tracePath(req, res) {
  const byName = mapBoxes();
  const addrLink = new Map();
  for (const e of S.topo.edges) {
    if (e.a_addr) addrLink.set(e.a + "|" + e.a_addr, e);
    if (e.b_addr) addrLink.set(e.b + "|" + e.b_addr, e);
  }
  const srcName = res.names[res.src] || req.src;
  const stops = [{ node: srcName, addr: res.src, hop: null }];
  for (const h of res.hops) {
    const p = h.probes.find((x) => !x.lost) || h.probes[0];
    const node = p && p.from ? res.names[p.from] || null : null;
    stops.push({ node, addr: p && p.from, hop: h, probe: p });
  }
  const segs = [];
  let prev = byName.has(srcName) ? srcName : null;
  for (const st of stops.slice(1)) {
    if (!st.node || !byName.has(st.node)) { prev = null; continue; }
    if (prev && prev !== st.node) {
      let e = addrLink.get(st.node + "|" + st.addr);
      if (!e || !((e.a === prev && e.b === st.node) || (e.b === prev && e.a === st.node))) {
        e = S.topo.edges.find((x) => (x.a === prev && x.b === st.node) || (x.b === prev && x.a === st.node));
      }
      if (e) segs.push({ edge: e, from: prev, to: st.node });
    }
    prev = st.node;
  }
  return { stops, segs };
}

function drawTrace() {
  const layer = $("trace-layer");
  layer.replaceChildren();
  const out = $("trace-out");
  const t = S.trace;
  if (!t) { out.replaceChildren(); return; }
  if (t.err) {
    out.replaceChildren(el("p", { class: "error" }, t.err));
    return;
  }
  const { res, req } = t;
  const { stops, segs } = tracePath(req, res);
  t.segs = segs;
  for (const s of segs) {
    layer.append(svg("path", { d: edgePath(s.edge), class: "trace-seg", "data-link": s.edge.id, "data-from": s.from, "data-to": s.to }));
  }
  // A pill by each router that answered, with the labels it received.
  const byName = mapBoxes();
  stops.slice(1).forEach((st, i) => {
    const n = st.node && byName.get(st.node);
    if (!n) return;
    const labels = labelStack(st.probe && st.probe.labels);
    const text = `${i + 1}` + (labels ? ` · ${labels}` : "");
    const w = text.length * 7.4 + 14;
    // Above the router, or below it when another router sits just above
    // (the space between is their links').
    const below = S.topo.nodes.some((m) => m !== n && m.x < n.x + n.w && n.x < m.x + m.w && m.y + m.h <= n.y && n.y - (m.y + m.h) < 70);
    const x = n.x + n.w / 2 - w / 2, y = below ? n.y + n.h + 3 : n.y - 21;
    layer.append(svg("g", { class: "hop-badge", "data-hop": i + 1, "data-node": n.name },
      svg("rect", { x, y, width: w, height: 18, rx: 9 }),
      svg("text", { x: x + w / 2, y: y + 13 }, text)));
  });
  const last = res.hops.length ? res.hops[res.hops.length - 1] : null;
  const lastProbe = last && (last.probes.find((p) => !p.lost) || last.probes[0]);
  const rtt = res.reached && lastProbe && !lastProbe.lost ? ms(lastProbe.rtt_ns) : null;
  const rows = res.hops.map((h) => {
    const p = h.probes.find((x) => !x.lost) || h.probes[0];
    const name = p && p.from ? res.names[p.from] || "" : "";
    return el("tr", { class: "hop", "data-node": name },
      el("td", { class: "num" }, h.ttl),
      el("td", {}, name ? el("b", {}, name) : el("span", { class: "muted" }, "*")),
      el("td", { class: "mono" }, p && p.from ? p.from : ""),
      el("td", { class: "mono labels" }, labelStack(p && p.labels) || el("span", { class: "muted" }, "—")),
      el("td", { class: "num" }, p && !p.lost ? ms(p.rtt_ns) : "*"));
  });
  out.replaceChildren(
    el("p", { class: "trace-sum " + (res.reached ? "ok" : "bad") },
      `${req.src} → ${req.dst}${req.vrf ? " in vrf " + req.vrf : ""}: `,
      res.reached ? `reached in ${res.hops.length} hops, round trip ${rtt}` : `not reached (${res.hops.length} hops)`),
    el("table", { class: "hops" },
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "router"), el("th", {}, "address"), el("th", {}, "labels received"), el("th", {}, "RTT"))),
      el("tbody", {}, rows)),
    el("p", { class: "muted small" }, `traced at ${t.at.toLocaleTimeString()}; labels are the stack the router received (RFC 4950), top first`),
  );
}

// ---- clouds ----------------------------------------------------------

async function loadClouds() {
  const body = $("tab-clouds");
  let sums = [];
  try {
    sums = await api("/clouds");
  } catch (e) {
    body.replaceChildren(el("p", { class: "muted" }, e.message));
    return;
  }
  fillEndpoints(sums.flatMap((s) => s.servers.map((v) => ({ ...v, cloud: s.name }))));
  const byName = new Map(sums.map((s) => [s.name, s]));
  const list = (title, items, fmt) => [
    el("h4", {}, title, " ", el("span", { class: "muted" }, `(${items.length})`)),
    items.length ? el("ul", { class: "res" }, items.map((x) => el("li", {}, fmt(x)))) : el("p", { class: "muted small" }, "none"),
  ];
  const project = (sum, id) => {
    const p = sum.projects.find((x) => x.id === id);
    return p && p.name ? p.name : (id || "").slice(0, 8);
  };
  const cards = S.topo.clouds.map((c) => {
    const sum = byName.get(c.name) || { projects: [], networks: [], routers: [], servers: [], bgp_speakers: [], bgpvpns: [] };
    return el("section", { class: "cloud", "data-cloud": c.name },
      el("h3", {}, c.name, " ", el("span", { class: "muted small" },
        `joins by ${(c.join || []).join(", ")} at ${c.attach}${c.vpn ? " · vpn " + c.vpn : ""}${c.prefix ? " · " + c.prefix : ""}${c.asn ? " · AS " + c.asn : ""}`)),
      el("p", { class: "small" }, "compute nodes: ", c.computes.map((x) => x.name).join(", ") || "none",
        (c.routers || []).map((x) => ` · ${x.role} node: ${x.name}`).join("")),
      list("Projects", sum.projects, (p) => [el("b", {}, p.name || p.id), p.name ? el("span", { class: "muted mono" }, " " + p.id.slice(0, 8)) : null]),
      list("Networks", sum.networks, (n) => [el("b", {}, n.name || n.id.slice(0, 8)), n.external ? " (external)" : "", " ", el("span", { class: "mono" }, n.subnets.join(", ")), el("span", { class: "muted" }, " · " + project(sum, n.project_id))]),
      list("Routers", sum.routers, (r) => [el("b", {}, r.name || r.id.slice(0, 8)), r.gateway ? el("span", { class: "mono" }, " gw " + r.gateway.join(", ")) : "", r.interfaces ? el("span", { class: "mono" }, " · " + r.interfaces.join(", ")) : ""]),
      list("VMs", sum.servers, (s) => [el("b", {}, s.name), " on ", s.host, s.addresses ? el("span", { class: "mono" }, " · " + s.addresses.join(", ")) : "", el("span", { class: "muted" }, " · " + project(sum, s.project_id))]),
      list("BGPVPNs", sum.bgpvpns || [], (v) => [el("b", {}, v.name || v.id.slice(0, 8)), ` ${v.type}`,
        el("span", { class: "mono" }, " RT " + [...(v.route_targets || []), ...(v.import_targets || []).map((x) => "import " + x), ...(v.export_targets || []).map((x) => "export " + x)].join(", ")),
        [["networks", v.networks], ["routers", v.routers], ["ports", v.ports]].filter(([, xs]) => xs && xs.length).map(([k, xs]) => ` · ${k} ${xs.join(", ")}`).join(""),
        el("span", { class: "muted" }, " · " + project(sum, v.project_id))]),
      list("BGP speakers", sum.bgp_speakers, (s) => [el("b", {}, s.name), ` AS ${s.local_as}`, s.peers ? " · peers " + s.peers.join(", ") : " · no peers", s.agents ? " · on " + s.agents.join(", ") : " · unscheduled", s.advertised ? el("div", { class: "mono small" }, s.advertised.join("\n")) : null]),
    );
  });
  body.replaceChildren(
    el("div", { class: "cloud-tools" }, el("button", { onclick: loadClouds }, "Refresh"), el("span", { class: "muted small" }, "as each cloud's Neutron and Nova hold them")),
    ...cards);
}

// ---- the timeline ----------------------------------------------------

// ACTIONS are what a person does to the lab; what follows each is its
// effect, and the last event before the next action is when it settled.
const ACTIONS = new Set(["link-down", "link-up", "link-impaired", "bgp-restart"]);
const CHURN = new Set(["spf", "label"]);

function follow() {
  const es = new EventSource("/api/v1/events?follow=1&after=" + S.lastID);
  es.onopen = () => setLive(true);
  es.onerror = () => setLive(false, "reconnecting…");
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    S.lastID = e.id;
    S.events.push(e);
    if (S.events.length > 3000) S.events.splice(0, S.events.length - 3000);
    drawTimelineSoon();
    refreshSoon();
    if (S.trace) retrace();
  };
}

function setLive(on, why) {
  const l = $("live");
  l.classList.toggle("off", !on);
  l.textContent = on ? "live" : why || "offline";
}

const drawTimelineSoon = debounce(() => drawTimeline(), 100);

function fmtTime(t) {
  const d = new Date(t);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function drawTimeline() {
  const quiet = $("quiet").checked;
  const evs = S.events;
  // The incident: the last action and everything after it.
  let ai = -1;
  for (let i = evs.length - 1; i >= 0; i--) if (ACTIONS.has(evs[i].kind)) { ai = i; break; }
  const inc = $("incident");
  if (ai >= 0) {
    const act = evs[ai];
    const t0 = Date.parse(act.time);
    // A cable pulled drops carrier before the lab records the pull: what
    // shares the action's instant is its effect too.
    let from = ai;
    while (from > 0 && !ACTIONS.has(evs[from - 1].kind) && Date.parse(evs[from - 1].time) >= t0) from--;
    const after = evs.slice(from, ai).concat(evs.slice(ai + 1));
    const last = after.length ? Date.parse(after[after.length - 1].time) : t0;
    const kinds = {};
    for (const e of after) kinds[e.kind] = (kinds[e.kind] || 0) + 1;
    const summary = Object.entries(kinds).map(([k, n]) => `${k} ×${n}`).join(", ");
    inc.replaceChildren(
      el("b", {}, act.detail), " → ",
      after.length ? `${after.length} events, the network settled ${((last - t0) / 1000).toFixed(3)} s later` : "no reaction yet",
      after.length ? el("span", { class: "muted" }, " (" + summary + ")") : "");
  } else {
    inc.replaceChildren(el("span", { class: "muted" }, "Bring a link down or change its latency: what it did, and when the network settled, shows here."));
  }
  const shown = [];
  for (let i = evs.length - 1; i >= 0 && shown.length < 400; i--) {
    const e = evs[i];
    if (quiet && CHURN.has(e.kind)) continue;
    shown.push(e);
  }
  const items = shown.map((e) => {
    const action = ACTIONS.has(e.kind);
    return el("li", { class: "ev " + (action ? "action " : "") + "k-" + e.kind, "data-kind": e.kind },
      el("span", { class: "time mono" }, fmtTime(e.time)),
      el("span", { class: "who" }, e.node),
      el("span", { class: "kind" }, e.kind),
      el("span", { class: "detail", title: e.detail }, e.detail));
  });
  $("timeline").replaceChildren(...items);
}

// ---- wiring ----------------------------------------------------------

function wire() {
  for (const b of document.querySelectorAll("#side-tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("trace-form").addEventListener("submit", (ev) => { ev.preventDefault(); runTrace(); });
  $("show-sessions").addEventListener("change", (ev) => { $("sessions-layer").classList.toggle("hidden", !ev.target.checked); });
  $("show-addrs").addEventListener("change", (ev) => { $("map").classList.toggle("show-addrs", ev.target.checked); });
  $("quiet").addEventListener("change", drawTimeline);
  $("fit").addEventListener("click", fit);
  $("map").addEventListener("click", () => { S.picking = []; });
  wireZoom();
}

document.addEventListener("DOMContentLoaded", start);

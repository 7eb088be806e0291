// rnnviz player: plays t = 1..T of one sample's trace in the browser, with no server round trip.
//
// The payload is rnnviz.views.player_data.pack(...), decoded by canvas.js, which rnnviz.ui.components.player joins in
// front of this file and which also holds the colour tables and the heatmap painter. Every
// heatmap is painted once per payload; a frame (a change of t) only moves the markers, redraws
// the bar chart and fills the table cells.
//
// Streamlit (components v2) calls the default export again on every render whose payload
// changed, with the same parentElement, and only runs the returned cleanup on unmount. So each
// mount keeps its player in `players` and tears the previous one down itself.

const SPEEDS = ["1", "2", "5", "10", "30", "max"]; // steps per second; max = one per frame
const EMIT_DELAY = 250; // ms of quiet before the user's t goes to the server
const TIMER_SLACK = 4; // ms: a rAF tick a hair early still counts, or 30/s would stutter
const players = new WeakMap(); // parentElement -> player; the module outlives each render

export default function (component) {
  const { data, parentElement } = component;
  const payload = decode(asBytes(data));
  const previous = players.get(parentElement);
  if (previous && previous.sameData(payload)) {
    // Only the opening t differs (a full rerun after the slider moved): keep play state.
    previous.follow(payload.header.t);
    return previous.destroy;
  }
  previous?.destroy();
  const mount = parentElement.querySelector(".rnnviz-mount") ?? parentElement;
  const player = createPlayer(mount, payload, () => {
    if (players.get(parentElement) === player) players.delete(parentElement);
  });
  players.set(parentElement, player);
  return player.destroy;
}

// ---------------------------------------------------------------------------------------------
// The payload (asBytes, decodePayload, sameBuffers and the colour helpers are in canvas.js)

function decode(bytes) {
  const payload = decodePayload(bytes);
  const { t: _opening, ...rest } = payload.header;
  return { ...payload, identity: JSON.stringify(rest) };
}

// ---------------------------------------------------------------------------------------------
// DOM helpers (el is in canvas.js)

function symbolOf(panel) {
  return panel.label.replace(/_t$/, ""); // "h_t" -> "h", for "unit 2: h = 0.12345"
}

// ---------------------------------------------------------------------------------------------
// The player

function createPlayer(mount, payload, forget) {
  const { header, arrays } = payload;
  const { T, M } = header;
  const U = header.units_in_table;
  const clampT = (t) => Math.min(T, Math.max(1, Math.round(Number(t)) || 1));
  const state = { t: clampT(header.t), playing: false, raf: 0, last: 0, emitTimer: 0 };
  const listeners = new AbortController(); // every listener goes when the player does
  const on = (target, type, handler) =>
    target.addEventListener(type, handler, { signal: listeners.signal });

  const where = header.label ? `, ${header.label}` : "";
  const root = el("div", "rnnviz-player", {
    tabindex: "0",
    role: "group",
    "aria-label": `state player of sample ${header.n}${where}: Space plays or pauses, ` +
      "the left and right arrows step t, Home and End go to the first and last step",
  });
  root.dataset.t = String(state.t);
  root.dataset.playing = "false";
  root.dataset.ready = "false";

  const luts = {
    diverging: lookupTable(header.colorscales.diverging),
    sequential: lookupTable(header.colorscales.sequential),
  };
  // One polite live region for the whole player: the heatmaps' cursor and a step by key.
  const live = liveRegion();
  const hooks = {
    pick: (t) => userSet(t),
    now: () => state.t,
    announce: (text) => (live.textContent = text),
    // A cell clicked: its step and unit open the step panel's arithmetic there (one rerun).
    cell: (t, m, key) => {
      pause();
      if (clampT(t) !== state.t) draw(clampT(t));
      clearTimeout(state.emitTimer);
      state.emitTimer = 0;
      document.dispatchEvent(new CustomEvent("rnnviz:player-pick", { detail: { t, m, key } }));
    },
  };
  const controls = buildControls(T);
  const heatmaps = header.panels.map((panel) =>
    heatmapPanel(panel, arrays[panel.key], header, luts[panel.scale], hooks, on),
  );
  const first = header.panels[0];
  const bars = barChart(first, arrays[first.key], header, luts[first.scale]);
  heatmaps[0].element.append(bars.element);
  const table = stepTable(header, arrays);
  // The heatmaps' numbers as a table, units down and steps across, as the hover prints them.
  const asTable = tableView(
    header.panels.map((panel) => {
      const values = arrays[panel.key];
      return {
        title: `${panel.label} (${panel.name}) of sample ${header.n}${where}`,
        rows: M, cols: T, rowName: "unit m", colName: "step t", rowNoun: "units", colNoun: "steps",
        rowLabel: (m) => String(m),
        colLabel: (k) => String(k + 1),
        text: (m, k) => values[k * M + m].toFixed(5),
      };
    }),
    "rnnviz-player-table",
  );
  controls.element.append(asTable.button);

  const grid = el("div", "rnnviz-panels");
  // The step table sits next to h_t, so the state, its bars and its numbers are seen together.
  grid.append(heatmaps[0].element, table.element, ...heatmaps.slice(1).map((h) => h.element));
  root.append(controls.element, asTable.box, grid, live);
  mount.replaceChildren(root);

  const frameParts = [...heatmaps, bars, table, controls];

  function draw(t) {
    state.t = t;
    root.dataset.t = String(t);
    for (const part of frameParts) part.update(t);
  }

  // Playing -----------------------------------------------------------------------------------

  function tick(now) {
    state.raf = requestAnimationFrame(tick);
    const speed = controls.speed.value;
    const interval = speed === "max" ? 0 : 1000 / Number(speed);
    if (now - state.last < interval - TIMER_SLACK) return;
    // Keep the cadence, but never catch up with a burst of steps after a slow frame.
    state.last = Math.max(state.last + interval, now - interval);
    draw((state.t % T) + 1); // after T it goes on from 1
  }

  function play() {
    if (state.playing) return;
    state.playing = true;
    clearTimeout(state.emitTimer); // nothing goes to the server while playing
    state.emitTimer = 0;
    state.last = performance.now();
    state.raf = requestAnimationFrame(tick);
    controls.showPlaying(true);
    root.dataset.playing = "true";
  }

  function pause() {
    if (!state.playing) return;
    state.playing = false;
    cancelAnimationFrame(state.raf);
    controls.showPlaying(false);
    root.dataset.playing = "false";
    emitSoon();
  }

  // The user's t, and the server's ------------------------------------------------------------

  function userSet(t) {
    pause();
    const next = clampT(t);
    if (next !== state.t) draw(next);
    emitSoon();
  }

  // Debounced, so scrubbing or holding an arrow key costs one rerun of the fragment, not one
  // per step; t_sync forwards the event to Python.
  function emitSoon() {
    clearTimeout(state.emitTimer);
    state.emitTimer = setTimeout(() => {
      state.emitTimer = 0;
      if (state.playing) return;
      document.dispatchEvent(new CustomEvent("rnnviz:player-t", { detail: { t: state.t } }));
    }, EMIT_DELAY);
  }

  // Follow the server's t, never echo it back: while playing, or while the user's own newer t
  // is about to be sent, the server's is stale.
  function follow(t) {
    if (state.playing || state.emitTimer) return;
    const next = clampT(t);
    if (next !== state.t) draw(next);
  }

  on(document, "rnnviz:server-t", (event) => follow(event.detail.t));
  controls.wire(on, {
    toggle: () => (state.playing ? pause() : play()),
    step: (delta) => userSet(state.t + delta),
    set: (t) => userSet(t),
  });
  on(root, "keydown", (event) => {
    const target = event.target;
    if (event.defaultPrevented) return; // a heatmap moved its cursor
    if (event.ctrlKey || event.metaKey || event.altKey) return; // leave browser shortcuts be
    // The range input and the select take arrow keys themselves; a button takes Space; the
    // tables scroll with the arrows.
    if (target.matches("input, select") || target.closest(".rnnviz-tv, .rnnviz-step")) return;
    if (target.matches("button") && (event.key === " " || event.key === "Enter")) return;
    const steps = { ArrowLeft: state.t - 1, ArrowRight: state.t + 1, Home: 1, End: T };
    if (event.key in steps) {
      event.preventDefault();
      userSet(steps[event.key]);
      live.textContent = `t = ${state.t} of ${T}`;
    } else if (event.key === " ") {
      event.preventDefault(); // no page scroll
      state.playing ? pause() : play();
    }
  });

  // For the tests: the numbers a frame shows, straight from the payload's float32 arrays.
  root.rnnvizFrame = (t) => {
    const at = clampT(t);
    const row = (values, width) => Array.from(values.subarray((at - 1) * width, at * width));
    return {
      t: at,
      panels: Object.fromEntries(header.panels.map((p) => [p.key, row(arrays[p.key], M)])),
      terms: Object.fromEntries(header.terms.map((term) => [term.name, row(arrays[term.name], U)])),
    };
  };

  draw(state.t);
  root.dataset.ready = "true";

  function destroy() {
    cancelAnimationFrame(state.raf);
    clearTimeout(state.emitTimer);
    state.playing = false;
    listeners.abort();
    bars.disconnect();
    root.remove();
    forget();
  }

  return {
    destroy,
    follow,
    sameData: (other) =>
      other.identity === payload.identity && sameBuffers(other.floats, payload.floats),
  };
}

// ---------------------------------------------------------------------------------------------
// Controls: play/pause, previous/next, the t slider, the readout and the speed

function buildControls(T) {
  const element = el("div", "rnnviz-controls");
  const button = (className, label, text) =>
    el("button", className, { type: "button", "aria-label": label }, text);
  const play = button("rnnviz-play", "Play", "▶ Play");
  const prev = button("rnnviz-prev", "Previous step", "← Prev");
  const next = button("rnnviz-next", "Next step", "Next →");
  const range = el("input", "rnnviz-t", {
    type: "range", min: "1", max: String(T), step: "1", "aria-label": "time step t",
  });
  const now = el("span", "rnnviz-now");
  const speed = el("select", "rnnviz-speed", { "aria-label": "speed in steps per second" });
  for (const value of SPEEDS) {
    const label = value === "max" ? "max (every frame)" : `${value} steps/s`;
    speed.append(el("option", "", { value }, label));
  }
  speed.value = T <= 20 ? "2" : "10";
  const speedLabel = el("label", "rnnviz-speed-label", {}, "speed ");
  speedLabel.append(speed);
  element.append(prev, play, next, range, now, speedLabel);

  return {
    element,
    speed,
    update(t) {
      range.value = String(t);
      now.textContent = `t = ${t} / ${T}`;
    },
    showPlaying(playing) {
      play.textContent = playing ? "❚❚ Pause" : "▶ Play";
      play.setAttribute("aria-label", playing ? "Pause" : "Play");
    },
    wire(on, actions) {
      on(play, "click", actions.toggle);
      on(prev, "click", () => actions.step(-1));
      on(next, "click", () => actions.step(1));
      on(range, "input", () => actions.set(Number(range.value)));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One heatmap: time on x, hidden units on y (unit 0 at the top), drawn once

function heatmapPanel(panel, values, header, lut, hooks, on) {
  const { T, M } = header;
  const figure = el("figure", "rnnviz-panel");
  const where = header.label ? `, ${header.label}` : "";
  const title = `${panel.label} — ${panel.name}, sample n = ${header.n}${where}`;
  figure.append(el("figcaption", "rnnviz-title", {}, title));
  const what = `${panel.label} (${panel.name}) of sample ${header.n}${where}`;

  const plot = el("div", "rnnviz-plot");
  const frame = el("div", "rnnviz-heat-frame");
  // Tall enough for the y label and a few units, short enough for six panels on a projector.
  frame.style.height = `${Math.min(13, Math.max(7.5, 1.25 * M))}em`;
  const canvas = el("canvas", "rnnviz-heat", {
    width: T,
    height: M,
    role: "img",
    tabindex: "0", // one tab stop: the arrow keys move a cursor over its cells
    "aria-label": `${what}, ${M} units × ${T} steps: the arrow keys read a value, ` +
      "Enter opens that step and unit",
    "data-rnnviz-figure": `${panel.label} · sample ${header.n} · ` +
      `layer ${header.layer} ${header.direction}`,
  });
  const marker = el("div", "rnnviz-marker");
  marker.style.width = `${100 / T}%`; // one column; translateX(k·100%) moves it k steps
  const cursor = el("div", "rnnviz-cursor");
  cursor.hidden = true;
  cursor.style.width = `${100 / T}%`;
  cursor.style.height = `${100 / M}%`;
  frame.append(canvas, marker, cursor);
  // values is (T, M) row-major; the image is M rows of T pixels, so it is transposed.
  paintHeatmap(canvas, values, M, T, lut, panel.low, panel.high, true);

  plot.append(
    el("div", "rnnviz-ylabel", {}, `hidden unit (M = ${M})`),
    ticks("rnnviz-yticks", "0", String(M - 1)),
    frame,
    ticks("rnnviz-xticks", "1", String(T)),
    el("div", "rnnviz-xlabel", {}, `time step t (T = ${T})`),
  );
  const hint = "hover for a value · click to open that t and unit's arithmetic";
  const hover = el("div", "rnnviz-hover", {}, hint);
  figure.append(plot, legend(panel, lut), hover);

  const cellAt = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width; // 0..1 across the canvas
    const y = (event.clientY - box.top) / box.height;
    const t = Math.min(T, Math.max(1, Math.floor(x * T) + 1));
    const m = Math.min(M - 1, Math.max(0, Math.floor(y * M)));
    return { t, m };
  };
  on(canvas, "mousemove", (event) => {
    const { t, m } = cellAt(event);
    const value = values[(t - 1) * M + m].toFixed(5);
    hover.textContent = `t = ${t}, unit ${m}: ${symbolOf(panel)} = ${value}`;
  });
  on(canvas, "mouseleave", () => (hover.textContent = hint));
  on(canvas, "click", (event) => {
    const { t, m } = cellAt(event);
    hooks.cell(t, m, panel.key);
  });

  // The keyboard's cursor: unit m down, step t across, from the player's t when first focused.
  let at = null;
  function showCursor() {
    cursor.style.left = `${((at.t - 1) / T) * 100}%`;
    cursor.style.top = `${(at.m / M) * 100}%`;
    cursor.hidden = false;
    const value = values[(at.t - 1) * M + at.m].toFixed(5); // as the hover prints it
    hover.textContent = `t = ${at.t}, unit ${at.m}: ${symbolOf(panel)} = ${value}`;
    hooks.announce(`${panel.label}[${at.m}] at t = ${at.t}: ${value}`);
  }
  on(canvas, "focus", () => {
    at ??= { t: hooks.now(), m: 0 };
    showCursor();
  });
  on(canvas, "blur", () => {
    cursor.hidden = true;
    hover.textContent = hint;
  });
  on(canvas, "keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || !at) return;
    if (event.key === "Enter") {
      event.preventDefault();
      hooks.cell(at.t, at.m, panel.key);
      return;
    }
    const next = cursorMove(event.key, at.m, at.t - 1, M, T);
    if (!next) return; // Space plays, Tab moves on: the player and the page take them
    event.preventDefault();
    at = { m: next[0], t: next[1] + 1 };
    showCursor();
  });

  return {
    element: figure,
    update(t) {
      marker.style.transform = `translateX(${(t - 1) * 100}%)`;
    },
  };
}

function ticks(className, first, last) {
  const node = el("div", className);
  node.append(el("span", "", {}, first), el("span", "", {}, last));
  return node;
}

function legend(panel, lut) {
  const node = el("div", "rnnviz-legend");
  const ramp = rampCanvas(lut, "rnnviz-ramp");
  node.append(
    el("span", "", {}, formatBound(panel.low)),
    ramp,
    el("span", "", {}, formatBound(panel.high)),
  );
  return node;
}

// ---------------------------------------------------------------------------------------------
// The bars of h_t at the current t: y from -1 to 1, a zero line, coloured as the heatmap

function barChart(panel, values, header, lut) {
  const { M } = header;
  const element = el("div", "rnnviz-bars-box");
  const caption = `${panel.label} at the current t, one bar per hidden unit`;
  const canvas = el("canvas", "rnnviz-bars", {
    role: "img",
    "data-rnnviz-figure": `${panel.label} bars · sample ${header.n} · ` +
      `layer ${header.layer} ${header.direction}`,
  });
  const yticks = el("div", "rnnviz-bar-ticks");
  yticks.append(el("span", "", {}, "1"), el("span", "", {}, "0"), el("span", "", {}, "−1"));
  element.append(
    el("div", "rnnviz-bars-caption", {}, caption),
    yticks,
    canvas,
    el("div", "rnnviz-bars-xlabel", {}, `hidden unit (M = ${M})`),
  );
  const colours = cssColours(lut);
  let current = 1;

  function draw(t) {
    current = t;
    const range = values.subarray((t - 1) * M, t * M);
    const low = Math.min(...range).toFixed(4);
    const high = Math.max(...range).toFixed(4);
    canvas.setAttribute(
      "aria-label", `${panel.label} at t = ${t}, ${M} bars, from ${low} to ${high}`,
    );
    const { width, height } = canvas;
    if (!width || !height) return; // not laid out yet; the resize observer draws it
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const zero = height / 2;
    const band = width / M;
    const gap = band > 4 ? band * 0.15 : 0;
    for (let m = 0; m < M; m++) {
      const v = Math.min(1, Math.max(-1, values[(t - 1) * M + m]));
      context.fillStyle = colours[colourIndex(v, panel.low, panel.high)];
      const top = v >= 0 ? zero - v * zero : zero;
      context.fillRect(m * band + gap / 2, top, Math.max(1, band - gap), Math.abs(v) * zero);
    }
    context.fillStyle = "rgba(128, 128, 128, 0.9)";
    context.fillRect(0, Math.round(zero) - 1, width, 2); // the zero line
  }

  // Size the backing store to the element in device pixels, so the bars stay crisp.
  const resize = new ResizeObserver(() => {
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * ratio);
    canvas.height = Math.round(canvas.clientHeight * ratio);
    draw(current);
  });
  resize.observe(canvas);

  return { element, update: draw, disconnect: () => resize.disconnect() };
}

// ---------------------------------------------------------------------------------------------
// The step table: every term of step t for units 0..U-1; cells made once, filled per frame

function stepTable(header, arrays) {
  const { T, M } = header;
  const U = header.units_in_table;
  // Focusable, so a keyboard can scroll it sideways where the table is wider than its column.
  const element = el("div", "rnnviz-step", {
    tabindex: "0", role: "region", "aria-label": "the step table, scrolls sideways",
  });
  const table = el("table", "rnnviz-terms");
  const caption = el("caption");
  const stepT = el("span", "rnnviz-caption-t");
  const units = U === M ? `all ${M} units` : `units 0–${U - 1} of ${M}`;
  const carried = header.carried === "t+1" ? "; state before the step is h_(t+1)" : "";
  caption.append("Step t = ", stepT, ` of ${T} — ${units}${carried}`);

  const headRow = el("tr");
  headRow.append(el("th", "", { scope: "col" }, "unit m"));
  for (const term of header.terms) {
    const output = term.name === "h_t" ? "rnnviz-output" : "";
    headRow.append(el("th", output, { scope: "col" }, term.name));
  }
  const head = el("thead");
  head.append(headRow);

  const body = el("tbody");
  const cells = header.terms.map(() => []); // cells[term][m]
  for (let m = 0; m < U; m++) {
    const row = el("tr");
    row.append(el("th", "", { scope: "row" }, String(m)));
    header.terms.forEach((term, j) => {
      const cell = el("td", term.name === "h_t" ? "rnnviz-output" : "");
      cells[j].push(cell);
      row.append(cell);
    });
    body.append(row);
  }
  table.append(caption, head, body);
  element.append(table);

  return {
    element,
    update(t) {
      stepT.textContent = String(t);
      header.terms.forEach((term, j) => {
        const values = arrays[term.name];
        for (let m = 0; m < U; m++) cells[j][m].textContent = values[(t - 1) * U + m].toFixed(4);
      });
    },
  };
}

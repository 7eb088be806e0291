// rnnviz weights: every weight block of one layer and the Dense head, drawn on canvases.
//
// The payload is rnnviz.views.player_data.pack(rnnviz.views.weight_maps.weight_grid(...)), decoded by canvas.js,
// which rnnviz.ui.components.weights joins in front of this file. Its header holds the shared colour range
// (zmax), the colour scale and one entry per panel: the gate row it belongs to, its title,
// axis titles, row labels, whether it is a bias vector, whether its numbers are printed, its
// shape (rows, cols) and its array's offset. Each matrix is painted once, one pixel per value,
// and scaled up by CSS; numbers, ticks and cell gaps are DOM or SVG over it, so they stay
// sharp at any size and the page's type scale (lecture mode) enlarges them.
//
// Streamlit (components v2) calls the default export again, with the same parentElement, when
// the payload changes, and only runs the returned cleanup on unmount. So each mount keeps its
// view in `views` and tears the previous one down itself.

// Sizes in em, so lecture mode's larger type enlarges the panels with their labels.
const HEIGHT_MAX = 22.5; // a 256 × 256 matrix is at most ~360 px tall at 16 px type
const ROW_MAX = 1.9; // per row of a small matrix: as Plotly drew them, and a projector fits two rows
const ROW_MIN = 1.25; // per row while every row is labelled, so the labels fit
const ROW_MIN_MANY = 0.75; // per row with more than MANY rows: every other label may hide
const LARGE_MIN = 6; // the least height of a matrix with more rows than are labelled
const BAND = 2; // the height of a bias strip, a little more when it prints its numbers
const COLUMN_MIN = 13; // about the narrowest a panel gets (three across, beside a sidebar)
const TICK_SPACE = 1.6; // between round-number ticks, at the least

const TICKS_ALL = 16; // label every row / column up to this many, else a few round numbers
const MANY = 10; // more ticks than this: on a narrow element only every other one shows
const TICKS_MAX = 7; // round-number ticks per axis, at most
const GAPS_MAX = 40; // a hairline between cells up to this many per side, as Plotly drew them
const SVG = "http://www.w3.org/2000/svg";
const views = new WeakMap(); // parentElement -> view; the module outlives each render

export default function (component) {
  const started = performance.now();
  const { data, parentElement } = component;
  const payload = decodePayload(asBytes(data));
  const previous = views.get(parentElement);
  if (previous && previous.sameData(payload)) return previous.destroy;
  previous?.destroy();
  const mount = parentElement.querySelector(".rnnviz-wmount") ?? parentElement;
  const view = createWeights(mount, payload, started, () => {
    if (views.get(parentElement) === view) views.delete(parentElement);
  });
  views.set(parentElement, view);
  return view.destroy;
}

// ---------------------------------------------------------------------------------------------
// The element: a colour bar, then one row of panels per gate and one for the head

function createWeights(mount, payload, started, forget) {
  const { header, arrays } = payload;
  const { zmax } = header;
  const lut = lookupTable(header.colorscale);
  const listeners = new AbortController();
  const on = (target, type, handler) =>
    target.addEventListener(type, handler, { signal: listeners.signal });

  const root = el("div", "rnnviz-weights");
  root.dataset.ready = "false";
  root.dataset.zmax = String(zmax);
  root.dataset.panels = String(header.panels.length);

  const scale = colourBar(zmax, lut);
  const hover = el("div", "rnnviz-whover");
  hover.hidden = true;

  const panels = header.panels.map((panel) => weightPanel(panel, arrays[panel.name], zmax, lut));
  const byName = new Map(panels.map((p) => [p.panel.name, p]));
  const byFrame = new Map(panels.map((p) => [p.frame, p]));

  // Rows by panel.row, all on one column grid so panels line up from row to row.
  const rowsOf = new Map();
  for (const p of panels) {
    if (!rowsOf.has(p.panel.row)) rowsOf.set(p.panel.row, []);
    rowsOf.get(p.panel.row).push(p);
  }
  const columns = Math.max(...[...rowsOf.values()].map((row) => row.length));
  const grid = el("div", "rnnviz-wrows");
  for (const [index, row] of [...rowsOf.entries()].sort((a, b) => a[0] - b[0])) {
    const node = el("div", "rnnviz-wrow", { "data-row": String(index) });
    node.style.setProperty("--rnnviz-wcolumns", String(columns));
    node.append(...row.map((p) => p.element));
    grid.append(node);
  }
  const picked = el("div", "rnnviz-wpicked");
  picked.hidden = true;
  // One polite live region: the keyboard's cell, and what a weight picked does.
  const live = liveRegion();
  // Every panel's numbers as a table, rows and columns as drawn, as the hover prints them.
  const asTable = tableView(
    panels.map((p) => ({
      title: p.panel.title,
      rows: p.rows,
      cols: p.cols,
      rowName: p.panel.vector ? "" : p.panel.row_title || "row",
      colName: p.panel.col_title || "column",
      rowNoun: "rows",
      colNoun: "columns",
      rowLabel: (i) => (p.panel.vector ? p.panel.name : p.rowLabel(i)),
      colLabel: (j) => String(j),
      text: (i, j) => formatFixed(p.values[i * p.cols + j], 5),
    })),
    "rnnviz-weights-table",
  );
  const tools = el("div", "rnnviz-wtools");
  tools.append(asTable.button);
  root.append(scale.element, tools, asTable.box, picked, grid, hover, live);

  // An entry by the name the step's derivation gives it, "W_xh[1,7]" -> (panel, i, j): the
  // panels cut from that array, and the one whose block holds the index. (Not a map of every
  // entry: a cap-size LSTM has a third of a million.)
  const byArray = new Map();
  for (const p of panels) {
    if (!byArray.has(p.panel.array)) byArray.set(p.panel.array, []);
    byArray.get(p.panel.array).push(p);
  }
  const byEntry = {
    get(name) {
      const match = /^(.*)\[([\d,]+)\]$/.exec(name);
      if (!match) return undefined;
      const index = match[2].split(",").map(Number);
      for (const p of byArray.get(match[1]) ?? []) {
        const [r0, c0] = p.panel.origin ?? [0, 0];
        const [r, c] = p.panel.vector ? [r0, index[0]] : index;
        const i = p.panel.vector ? 0 : r - r0;
        const j = c - c0;
        if (i >= 0 && i < p.rows && j >= 0 && j < p.cols) return { p, i, j };
      }
      return undefined;
    },
  };

  // The step panel's lit unit: its weights outlined here too.
  let litMarks = [];
  let litNow = null;
  function showLit(entries) {
    const key = entries.join(" ");
    if (key === litNow) return; // a new step with the same unit: nothing to redraw
    litNow = key;
    for (const mark of litMarks) mark.remove();
    litMarks = [];
    for (const name of entries) {
      const found = byEntry.get(name);
      if (!found) continue;
      const mark = found.p.mark(found.i, found.j, "rnnviz-wlit");
      litMarks.push(mark);
    }
    root.dataset.lit = String(litMarks.length);
  }
  on(document, "rnnviz:lit", (event) => showLit(event.detail.entries));
  if (window.rnnvizLit) showLit(window.rnnvizLit.entries); // the step panel drew first

  // A weight clicked: what it multiplies, into which unit and gate, and what it added at the
  // step on view (window.rnnvizStep, kept by the step panel's derivation), then that unit's
  // arithmetic opened there.
  let chosenEntry = null;
  function pick(found) {
    chosenEntry = found;
    const name = found.p.entryName(found.i, found.j);
    const value = found.p.values[found.i * found.p.cols + found.j];
    const role = roleOf(name, window.rnnvizStep);
    picked.hidden = false;
    picked.replaceChildren(
      el("strong", "", {}, `${name} = ${formatFixed(value, 5)}`),
      document.createTextNode(" — " + role.text),
    );
    picked.dataset.entry = name;
    live.textContent = picked.textContent;
    picked.dataset.rnnvizValue = role.value === null ? "" : String(role.value);
    picked.dataset.share = role.share === null ? "" : String(role.share);
    if (role.open) {
      document.dispatchEvent(new CustomEvent("rnnviz:open", { detail: role.open }));
    }
  }
  on(root, "click", (event) => {
    const frame = event.target.closest?.(".rnnviz-wframe");
    const p = frame && byFrame.get(frame);
    if (!p) return;
    const box = p.canvas.getBoundingClientRect();
    const i = clampIndex(Math.floor(((event.clientY - box.top) / box.height) * p.rows), p.rows);
    const j = clampIndex(Math.floor(((event.clientX - box.left) / box.width) * p.cols), p.cols);
    pick({ p, i, j });
  });
  // A new step on view: what the chosen weight added there.
  on(document, "rnnviz:step", () => {
    if (chosenEntry) {
      const name = chosenEntry.p.entryName(chosenEntry.i, chosenEntry.j);
      const role = roleOf(name, window.rnnvizStep);
      picked.lastChild.textContent = " — " + role.text;
      picked.dataset.rnnvizValue = role.value === null ? "" : String(role.value);
      picked.dataset.share = role.share === null ? "" : String(role.share);
    }
  });

  // Hover: one listener for every panel; the readout follows the pointer like a tooltip.
  let current = null; // the panel under the pointer, or with the keyboard's cursor
  function leave() {
    current?.cursor.remove();
    current = null;
    hover.hidden = true;
    scale.mark(null);
    const focused = byCanvas.get(document.activeElement);
    if (focused) showKey(focused); // the keyboard's cell stays
  }
  // The readout beside a point (x, y) of the element, flipped to its left near the right edge.
  function placeHover(x, y) {
    const area = root.getBoundingClientRect();
    const width = hover.offsetWidth;
    const left = x + 16 + width > area.width ? Math.max(0, x - 12 - width) : x + 16;
    hover.style.transform = `translate(${Math.round(left)}px, ${Math.round(y + 18)}px)`;
  }
  on(root, "pointermove", (event) => {
    const frame = event.target.closest?.(".rnnviz-wframe");
    const p = frame && byFrame.get(frame);
    if (!p) return leave();
    const box = p.canvas.getBoundingClientRect();
    const { rows, cols } = p;
    const i = clampIndex(Math.floor(((event.clientY - box.top) / box.height) * rows), rows);
    const j = clampIndex(Math.floor(((event.clientX - box.left) / box.width) * cols), cols);
    if (current !== p) current?.cursor.remove();
    current = p;
    const value = p.values[i * cols + j];
    hover.textContent = `${p.cellName(i, j)} = ${formatFixed(value, 5)}`;
    hover.hidden = false;
    p.showCursor(i, j);
    scale.mark(value);
    const area = root.getBoundingClientRect();
    placeHover(event.clientX - area.left, event.clientY - area.top);
  });
  on(root, "pointerleave", leave);

  // The keyboard: each matrix is one tab stop, and the arrow keys move a cursor over its cells
  // (from its first cell, then where it was left), read out as the hover shows it; Enter does
  // what a click on that weight does.
  const byCanvas = new Map(panels.map((p) => [p.canvas, p]));
  function showKey(p) {
    if (current !== p) current?.cursor.remove();
    current = p;
    const [i, j] = p.at;
    const value = p.values[i * p.cols + j];
    const text = `${p.cellName(i, j)} = ${formatFixed(value, 5)}`;
    hover.textContent = text;
    hover.hidden = false;
    p.showCursor(i, j);
    scale.mark(value);
    live.textContent = text;
    const area = root.getBoundingClientRect();
    const box = p.canvas.getBoundingClientRect();
    placeHover(
      box.left - area.left + ((j + 0.5) / p.cols) * box.width,
      box.top - area.top + ((i + 0.5) / p.rows) * box.height,
    );
  }
  on(root, "focusin", (event) => {
    const p = byCanvas.get(event.target);
    if (p) showKey(p);
  });
  on(root, "focusout", (event) => {
    if (byCanvas.has(event.target) && current === byCanvas.get(event.target)) leave();
  });
  on(root, "keydown", (event) => {
    const p = byCanvas.get(event.target);
    if (!p || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter") {
      event.preventDefault();
      pick({ p, i: p.at[0], j: p.at[1] });
      return;
    }
    const next = cursorMove(event.key, p.at[0], p.at[1], p.rows, p.cols);
    if (!next) return; // Tab, Space and the rest are the page's
    event.preventDefault();
    p.at = next;
    showKey(p);
  });

  // For the tests: the float32 value of panel `name` at row i, column j, as a JS number.
  root.rnnvizValue = (name, i, j) => {
    const p = byName.get(name);
    if (!p) throw new Error(`rnnviz weights: no panel ${JSON.stringify(name)}`);
    if (!(i >= 0 && i < p.rows && j >= 0 && j < p.cols)) {
      throw new Error(`rnnviz weights: [${i}, ${j}] is outside ${name} (${p.rows}, ${p.cols})`);
    }
    return p.values[i * p.cols + j];
  };

  mount.replaceChildren(root);
  void root.offsetHeight; // lay out now, so the time below includes style and layout
  root.dataset.drawMs = (performance.now() - started).toFixed(1);
  root.dataset.ready = "true";

  function destroy() {
    listeners.abort();
    root.remove();
    forget();
  }

  return {
    destroy,
    sameData: (other) =>
      JSON.stringify(other.header) === JSON.stringify(header) &&
      sameBuffers(other.floats, payload.floats),
  };
}

function clampIndex(k, n) {
  return Math.min(n - 1, Math.max(0, k || 0));
}

// ---------------------------------------------------------------------------------------------
// One panel: title, y title and ticks, the heatmap (with numbers and gaps), x ticks and title

function weightPanel(panel, values, zmax, lut) {
  const [rows, cols] = panel.shape;
  const figure = el("figure", "rnnviz-wpanel", { "data-name": panel.name });
  figure.append(el("figcaption", "rnnviz-wtitle", {}, panel.title));

  const frame = el("div", "rnnviz-wframe");
  Object.assign(frame.style, frameSize(panel, rows, cols));
  const canvas = el("canvas", "rnnviz-wheat", {
    role: "img",
    tabindex: "0", // one tab stop: the arrow keys move a cursor over its cells
    "aria-label": `${panel.title}: ${rows} × ${cols} values; the arrow keys read a weight, ` +
      "Enter tells what it does at the step on view",
    "data-rnnviz-figure": panel.name,
  });
  paintHeatmap(canvas, values, rows, cols, lut, -zmax, zmax);
  frame.append(canvas);
  if (cols <= GAPS_MAX || rows <= GAPS_MAX) frame.append(gaps(rows, cols));
  if (panel.numbers) frame.append(numbers(values, rows, cols, lut, zmax));

  // The y ticks hang off the frame's left edge, so they stay on their rows however tall the
  // rotated y title makes the plot; an invisible copy of the longest label reserves room.
  const rowLabel = (i) => (panel.row_labels ? panel.row_labels[i] : String(i));
  const at = [0, 0]; // the keyboard's cell
  const rowTicks = panel.vector ? [] : tickIndices(rows, yTickRoom(rows, cols));
  const sizer = el("div", "rnnviz-wsizer", { "aria-hidden": "true" });
  if (rowTicks.length) {
    const yticks = el("div", "rnnviz-wyticks", { "aria-hidden": "true" });
    for (const i of rowTicks) {
      const tick = el("span", tickClass(i, rows), {}, rowLabel(i));
      tick.style.top = `${((i + 0.5) / rows) * 100}%`;
      yticks.append(tick);
    }
    frame.append(yticks);
    const labels = rowTicks.map(rowLabel);
    sizer.textContent = labels.reduce((a, b) => (b.length > a.length ? b : a));
  }

  const main = el("div", "rnnviz-wmain");
  const xticks = el("div", "rnnviz-wxticks", { "aria-hidden": "true" });
  for (const j of tickIndices(cols, TICKS_MAX)) {
    const tick = el("span", tickClass(j, cols), {}, String(j));
    tick.style.left = `${((j + 0.5) / cols) * 100}%`;
    xticks.append(tick);
  }
  main.append(frame, xticks);

  const plot = el("div", "rnnviz-wplot");
  plot.append(
    el("div", "rnnviz-wylabel", {}, panel.vector ? "" : panel.row_title || ""),
    sizer,
    main,
    el("div", "rnnviz-wxlabel", {}, panel.col_title || ""),
  );
  figure.append(plot);

  const cursor = el("div", "rnnviz-cursor rnnviz-wcursor"); // canvas.css draws it
  cursor.style.width = `${100 / cols}%`;
  cursor.style.height = `${100 / rows}%`;

  return {
    panel,
    values,
    rows,
    cols,
    element: figure,
    frame,
    canvas,
    cursor,
    at,
    rowLabel,
    cellName(i, j) {
      if (panel.vector) return `${panel.name}[${j}]`;
      return `${panel.name}[${panel.row_labels ? panel.row_labels[i] : i}, ${j}]`;
    },
    // The entry's name in its whole array, as the step's derivation names it.
    entryName(i, j) {
      const [r0, c0] = panel.origin ?? [0, 0];
      if (panel.vector) return `${panel.array}[${c0 + j}]`;
      return `${panel.array}[${r0 + i},${c0 + j}]`;
    },
    mark(i, j, className) {
      const node = el("div", className);
      node.style.width = `${100 / cols}%`;
      node.style.height = `${100 / rows}%`;
      node.style.left = `${(j / cols) * 100}%`;
      node.style.top = `${(i / rows) * 100}%`;
      frame.append(node);
      return node;
    },
    showCursor(i, j) {
      cursor.style.left = `${(j / cols) * 100}%`;
      cursor.style.top = `${(i / rows) * 100}%`;
      if (cursor.parentNode !== frame) frame.append(cursor);
    },
  };
}

// Roughly square cells, as wide as the column allows, within limits: a bias strip is a thin
// band, small matrices get rows a line of numbers tall, large ones at most HEIGHT_MAX. The
// frame is the column's width, so its aspect ratio gives its height: no script measures it.
function heightRange(rows) {
  const most = Math.min(HEIGHT_MAX, rows * ROW_MAX);
  const perRow = rows > MANY ? ROW_MIN_MANY : ROW_MIN;
  const least = Math.min(most, rows <= TICKS_ALL ? rows * perRow : LARGE_MIN);
  return [least, most];
}

function frameSize(panel, rows, cols) {
  if (panel.vector) return { height: `${panel.numbers ? BAND + 0.4 : BAND}em` };
  const [least, most] = heightRange(rows);
  return { aspectRatio: `${cols} / ${rows}`, minHeight: `${least}em`, maxHeight: `${most}em` };
}

// How many round-number y ticks fit the frame at its narrowest likely width.
function yTickRoom(rows, cols) {
  const [least, most] = heightRange(rows);
  const height = Math.min(most, Math.max(least, (COLUMN_MIN * rows) / cols));
  return Math.max(2, Math.min(TICKS_MAX, Math.floor(height / TICK_SPACE)));
}

// Ticks on every index, more than MANY of them: the odd ones hide on a narrow element.
function tickClass(k, n) {
  return n > MANY && n <= TICKS_ALL && k % 2 ? "rnnviz-wodd" : "";
}

// Every index up to TICKS_ALL, else multiples of a round step, at most `most` of them.
function tickIndices(n, most) {
  if (n <= TICKS_ALL) return Array.from({ length: n }, (_, i) => i);
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000];
  const step = steps.find((s) => Math.ceil(n / s) <= most) ?? Math.ceil(n / most);
  return Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);
}

// Hairlines between cells, in the page's background colour: one SVG path, stretched to the
// frame; a non-scaling stroke keeps them one pixel wide whatever the stretch.
function gaps(rows, cols) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "rnnviz-wgaps");
  svg.setAttribute("viewBox", `0 0 ${cols} ${rows}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  const lines = [];
  if (cols <= GAPS_MAX) for (let c = 1; c < cols; c++) lines.push(`M${c} 0V${rows}`);
  if (rows <= GAPS_MAX) for (let r = 1; r < rows; r++) lines.push(`M0 ${r}H${cols}`);
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", lines.join("") || "M0 0");
  svg.append(path);
  return svg;
}

// Each value to 2 decimals, centred in its cell, white on dark colours and black on light.
function numbers(values, rows, cols, lut, zmax) {
  const grid = el("div", "rnnviz-wnums", { "aria-hidden": "true" });
  grid.style.gridTemplateColumns = `repeat(${cols}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
  for (let k = 0; k < rows * cols; k++) {
    const dark = isDark(lut, colourIndex(values[k], -zmax, zmax));
    grid.append(el("span", dark ? "rnnviz-wdark" : "", {}, formatFixed(values[k], 2)));
  }
  return grid;
}

// ---------------------------------------------------------------------------------------------
// The colour bar, shared by every panel, with a mark at the hovered value

function colourBar(zmax, lut) {
  const element = el("div", "rnnviz-wscale");
  const bar = el("div", "rnnviz-wbar");
  const mark = el("div", "rnnviz-wmark");
  mark.hidden = true;
  const ticks = el("div", "rnnviz-wbar-ticks");
  ticks.append(
    el("span", "", {}, formatBound(-zmax)),
    el("span", "", {}, "0"),
    el("span", "", {}, formatBound(zmax)),
  );
  bar.append(rampCanvas(lut, "rnnviz-wramp"), mark, ticks);
  const bound = formatBound(zmax);
  element.append(
    el("span", "rnnviz-wscale-label", {}, "weight"),
    bar,
    el(
      "span",
      "rnnviz-wscale-note",
      {},
      `one scale for every panel · beyond ±${bound} the colour saturates`,
    ),
  );
  return {
    element,
    mark(value) {
      if (value === null) {
        mark.hidden = true;
        return;
      }
      mark.hidden = false;
      mark.style.left = `${(colourIndex(value, -zmax, zmax) / 255) * 100}%`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What a weight does at the step on view, read off the step's derivation

function roleOf(name, step) {
  const none = { text: "", value: null, share: null, open: null };
  if (!step) return { ...none, text: "open the step panel to see what it adds at a step." };
  const { data, blocks } = step;
  const where = `at n = ${data.n}, t = ${data.t}`;
  const At = `At n = ${data.n}, t = ${data.t}`; // where, starting a sentence
  for (const b of blocks) {
    const gate = b.key === data.head
      ? "the Dense head (y)"
      : b.key === "h" ? "the hidden state" : `the ${b.title} (${b.name})`;
    for (const p of b.products) {
      for (const [weight, other, weightIsA] of [[p.B, p.A, false], [p.A, p.B, true]]) {
        if (!weight.codes) continue;
        for (let i = 0; i < weight.p; i++) {
          for (let j = 0; j < weight.q; j++) {
            if (weight.name(i, j) !== name) continue;
            // B[k, j] meets A[·, k]; A[i, k] meets B[k, ·]: the unit is C's entry either way
            const k = weightIsA ? j : i;
            const [ci, cj] = weightIsA ? [i, 0] : [0, j];
            const m = p.only ?? (p.units === 1 ? cj : ci);
            const into = b.key === data.head ? `output ${m}` : `unit ${m}`;
            const partner = weightIsA ? other.name(k, cj) : other.name(ci, k);
            const x = weightIsA ? other.at(k, cj) : other.at(ci, k);
            const w = weight.at(i, j);
            const term = x * w;
            const pre = b.preOf(m);
            const share = pre === 0 ? null : term / pre;
            const shareText = share === null ? "" : `, ${(share * 100).toFixed(1)}% of it`;
            return {
              text: `multiplies ${partner} into ${into} of ${gate}. ${At}: ` +
                `${formatFixed(x, 4)} · ${formatFixed(w, 4)} = ${formatFixed(term, 5)}, added ` +
                `to ${b.pre_name}[${m}] = ${formatFixed(pre, 5)}${shareText}.`,
              value: term,
              share,
              open: { key: b.key, unit: m },
            };
          }
        }
      }
    }
    for (let m = 0; m < b.value.length; m++) {
      const found = b.biases.find((bias) => bias.names[m].split("+").includes(name));
      if (!found) continue;
      const value = found.values[m];
      const pre = b.preOf(m);
      const share = pre === 0 ? null : value / pre;
      const shareText = share === null ? "" : `, ${(share * 100).toFixed(1)}% of it`;
      return {
        text: `a bias, added to ${b.key === data.head ? "output" : "unit"} ${m} of ${gate}. ` +
          `${At}: ${formatFixed(value, 5)} ` +
          `of ${b.pre_name}[${m}] = ${formatFixed(pre, 5)}${shareText}.`,
        value,
        share,
        open: { key: b.key, unit: m },
      };
    }
  }
  if (/^(W_o|b_o|head\.|W_y|b_y)/.test(name)) {
    return { ...none, text: `a weight of the Dense head: it acts where there is an output y, ` +
      `not ${where} (move t to the step with y).` };
  }
  return { ...none, text: `not in the step on view (${where}): another layer or direction.` };
}

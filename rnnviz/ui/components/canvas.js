// rnnviz canvas helpers, shared by the player (player.js) and the weights (weights.js).
//
// Plain functions, no imports or exports: Python joins this file in front of each component's
// own script (rnnviz.ui.components.player, rnnviz.ui.components.weights), because components v2 takes one inline ES
// module per component. So every name here is taken in each script that uses it.
//
// Also the keyboard's and the screen reader's share: a cursor's moves over a figure's cells, one
// live region per element, and "Show as table" (styled by canvas.css, joined in front of each
// element's own CSS the same way).
//
// The payload is rnnviz.views.player_data.pack(...): "RNV1", a uint32 LE header length, a JSON header,
// zero padding to 4 bytes, then float32 LE arrays back to back. Each entry of the header's
// `panels` (and `terms`, if any) names its array's byte `offset` into the float block and its
// `shape`.

const MAGIC = "RNV1";

// ---------------------------------------------------------------------------------------------
// The payload

function asBytes(data) {
  // Streamlit hands over the protobuf's Uint8Array; accept the other binary types too.
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw new Error(`rnnviz: expected the payload as bytes, got ${typeof data}`);
}

// { header, arrays: key or name -> Float32Array, floats: the float block's own ArrayBuffer }
function decodePayload(bytes) {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC) throw new Error(`rnnviz: payload starts with ${magic}, not ${MAGIC}`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const start = 8 + length + ((4 - ((8 + length) % 4)) % 4);
  // The bytes are a view into the websocket message at any offset, and Float32Array needs
  // a 4-byte aligned one: copy the float block into a buffer of its own. (Float32Array reads
  // the platform's byte order; every browser platform is little-endian, as the payload is.)
  const floats = bytes.slice(start).buffer;
  const arrays = {};
  for (const entry of [...header.panels, ...(header.terms ?? [])]) {
    const count = entry.shape[0] * entry.shape[1];
    arrays[entry.key ?? entry.name] = new Float32Array(floats, entry.offset, count);
  }
  return { header, arrays, floats };
}

function sameBuffers(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint32Array(a);
  const y = new Uint32Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Colours

function parseColour(css) {
  if (css.startsWith("#")) return [1, 3, 5].map((i) => parseInt(css.slice(i, i + 2), 16));
  return css.match(/[\d.]+/g).slice(0, 3).map(Number); // "rgb(5,48,97)"
}

// 256 RGBA entries interpolated between the colour scale's stops, as Plotly draws them.
function lookupTable(stops) {
  const points = stops.map(([at, colour]) => [at, parseColour(colour)]);
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 1;
    while (k < points.length - 1 && points[k][0] < x) k++;
    const [a, ca] = points[k - 1];
    const [b, cb] = points[k];
    const w = b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : 0;
    for (let c = 0; c < 3; c++) lut[4 * i + c] = ca[c] + w * (cb[c] - ca[c]);
    lut[4 * i + 3] = 255;
  }
  return lut;
}

// The table's entry for value on [low, high]; values outside saturate at either end.
function colourIndex(value, low, high) {
  const x = high > low ? (value - low) / (high - low) : 0.5;
  return Math.min(255, Math.max(0, Math.round(x * 255)));
}

function cssColours(lut) {
  const rgb = (i) => `rgb(${lut[4 * i]},${lut[4 * i + 1]},${lut[4 * i + 2]})`;
  return Array.from({ length: 256 }, (_, i) => rgb(i));
}

// Whether text on entry i of the table reads better in white than in black.
function isDark(lut, i) {
  const luma = 0.299 * lut[4 * i] + 0.587 * lut[4 * i + 1] + 0.114 * lut[4 * i + 2];
  return luma < 150;
}

// A row-major (rows, cols) matrix, one pixel per value; with transposed, values are (cols, rows).
// Scaled up by CSS (image-rendering: pixelated), so it is painted once whatever the size.
function paintHeatmap(canvas, values, rows, cols, lut, low, high, transposed = false) {
  canvas.width = cols;
  canvas.height = rows;
  const context = canvas.getContext("2d");
  const image = context.createImageData(cols, rows);
  // One 32-bit write per pixel: the table's RGBA entries, read as the platform's (little-endian)
  // words, are the pixels' RGBA bytes.
  const pixels = new Uint32Array(image.data.buffer);
  const colours = new Uint32Array(new Uint8ClampedArray(lut).buffer);
  // colourIndex, inlined: this runs once per value, ~450k times for a large LSTM. The
  // comparisons are false for NaN, which `| 0` then turns into the low end.
  const scale = high > low ? 255 / (high - low) : 0;
  const shift = (scale ? -low * scale : 127.5) + 0.5; // + 0.5: `| 0` truncates, rounding
  const count = rows * cols;
  if (!transposed) {
    for (let p = 0; p < count; p++) {
      const x = values[p] * scale + shift;
      pixels[p] = colours[x < 0 ? 0 : x >= 255 ? 255 : x | 0];
    }
  } else {
    for (let r = 0, p = 0; r < rows; r++) {
      for (let c = 0, q = r; c < cols; c++, p++, q += rows) {
        const x = values[q] * scale + shift;
        pixels[p] = colours[x < 0 ? 0 : x >= 255 ? 255 : x | 0];
      }
    }
  }
  context.putImageData(image, 0, 0);
}

// The colour scale as a 256 × 1 canvas, stretched by CSS into a colour bar.
function rampCanvas(lut, className) {
  const ramp = el("canvas", className, { width: 256, height: 1, "aria-hidden": "true" });
  ramp.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(lut), 256, 1), 0, 0);
  return ramp;
}

// ---------------------------------------------------------------------------------------------
// Numbers and the DOM

const MINUS = "\u2212"; // a real minus sign: as wide as a digit, and what a slide would show

function formatBound(value) {
  return Number(value.toPrecision(3)).toString().replace("-", MINUS);
}

// x.toFixed(digits) with a minus sign, and no "−0.00" for a tiny negative number.
function formatFixed(value, digits) {
  const text = value.toFixed(digits);
  if (/^-0\.?0*$/.test(text)) return text.slice(1);
  return text.replace("-", MINUS);
}

function el(tag, className, props = {}, text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [name, value] of Object.entries(props)) {
    if (name in node && !name.includes("-")) node[name] = value;
    else node.setAttribute(name, value);
  }
  if (text) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------------------
// Keyboard and screen readers: a cursor over a figure's cells, and its numbers as a table

const TABLE_ROWS = 16; // rows of a table's page: a screenful, and quick to read out
const TABLE_COLS = 10; // columns of a table's page: ten numbers fit a panel's width
let uniqueIds = 0; // one module per element, several elements per page: ids carry a prefix

function uniqueId(prefix) {
  uniqueIds += 1;
  return `${prefix}-${uniqueIds}-${Math.random().toString(36).slice(2, 8)}`;
}

// The cell (i, j) of a (rows, cols) figure that a key moves the cursor to, or null for a key
// the figure leaves to the page. Home and End go to the row's first and last cell.
function cursorMove(key, i, j, rows, cols) {
  const moves = {
    ArrowUp: [i - 1, j], ArrowDown: [i + 1, j], ArrowLeft: [i, j - 1], ArrowRight: [i, j + 1],
    Home: [i, 0], End: [i, cols - 1],
  };
  if (!(key in moves)) return null;
  const [a, b] = moves[key];
  return [Math.min(rows - 1, Math.max(0, a)), Math.min(cols - 1, Math.max(0, b))];
}

// One polite live region per element: what the keyboard's cursor is on, read out once.
function liveRegion() {
  return el("div", "rnnviz-sr", { "aria-live": "polite", "aria-atomic": "true" });
}

// "Show as table": a button, and the box it opens with an HTML table of one figure's numbers
// (a choice of figure when there are several), built from the arrays the element already holds
// when it is opened, and a page at a time (TABLE_ROWS × TABLE_COLS) for a large figure.
// figures: [{ title, rows, cols, rowName, colName, rowNoun, colNoun, rowLabel(i), colLabel(j),
// text(i, j) }], the text as the figure's own readout prints it.
function tableView(figures, idPrefix) {
  const box = el("div", "rnnviz-tv", { id: uniqueId(idPrefix) });
  box.hidden = true;
  const button = el("button", "rnnviz-tv-toggle", {
    type: "button", "aria-expanded": "false", "aria-controls": box.id,
  }, "Show as table");
  const state = { figure: 0, row: 0, col: 0, built: false };
  let choose = null;
  if (figures.length > 1) {
    choose = el("select", "rnnviz-tv-choose");
    figures.forEach((f, k) => choose.append(el("option", "", { value: String(k) }, f.title)));
    const label = el("label", "rnnviz-tv-label", {}, "figure ");
    label.append(choose);
    box.append(label);
    choose.addEventListener("change", () => {
      Object.assign(state, { figure: Number(choose.value), row: 0, col: 0 });
      fill();
    });
  }
  const pages = el("div", "rnnviz-tv-pages");
  const pageButton = (text, move) => {
    const b = el("button", "rnnviz-tv-page", { type: "button" }, text);
    b.addEventListener("click", () => move());
    return b;
  };
  const where = el("span", "rnnviz-tv-where");
  const upRows = pageButton("", () => turn(-TABLE_ROWS, 0));
  const downRows = pageButton("", () => turn(TABLE_ROWS, 0));
  const leftCols = pageButton("", () => turn(0, -TABLE_COLS));
  const rightCols = pageButton("", () => turn(0, TABLE_COLS));
  pages.append(upRows, downRows, leftCols, rightCols, where);
  const scroller = el("div", "rnnviz-tv-scroll", { tabindex: "0", role: "region" });
  const table = el("table", "rnnviz-tv-table"); // in the box once first opened
  box.append(pages, scroller);

  function turn(dRows, dCols) {
    const f = figures[state.figure];
    state.row = Math.min(Math.max(0, state.row + dRows), Math.max(0, f.rows - 1));
    state.col = Math.min(Math.max(0, state.col + dCols), Math.max(0, f.cols - 1));
    fill();
  }

  // Only the page on view is in the DOM: at most TABLE_ROWS × TABLE_COLS cells.
  function fill() {
    const f = figures[state.figure];
    const rowEnd = Math.min(f.rows, state.row + TABLE_ROWS);
    const colEnd = Math.min(f.cols, state.col + TABLE_COLS);
    const span = (noun, label, from, to, count) =>
      `${noun} ${label(from)}–${label(to - 1)} of ${count}`;
    const rowSpan = span(f.rowNoun, f.rowLabel, state.row, rowEnd, f.rows);
    const colSpan = span(f.colNoun, f.colLabel, state.col, colEnd, f.cols);
    const paged = f.rows > TABLE_ROWS || f.cols > TABLE_COLS;
    pages.hidden = !paged;
    where.textContent = `${rowSpan} · ${colSpan}`;
    upRows.textContent = `↑ previous ${f.rowNoun}`;
    downRows.textContent = `next ${f.rowNoun} ↓`;
    leftCols.textContent = `← previous ${f.colNoun}`;
    rightCols.textContent = `next ${f.colNoun} →`;
    upRows.disabled = state.row === 0;
    downRows.disabled = rowEnd >= f.rows;
    leftCols.disabled = state.col === 0;
    rightCols.disabled = colEnd >= f.cols;
    upRows.hidden = downRows.hidden = f.rows <= TABLE_ROWS;
    leftCols.hidden = rightCols.hidden = f.cols <= TABLE_COLS;

    const caption = el("caption", "", {}, paged ? `${f.title}: ${rowSpan}, ${colSpan}` : f.title);
    const headRow = el("tr");
    headRow.append(el("th", "", { scope: "col" }, `${f.rowName} \\ ${f.colName}`));
    for (let j = state.col; j < colEnd; j++) {
      headRow.append(el("th", "", { scope: "col" }, f.colLabel(j)));
    }
    const head = el("thead");
    head.append(headRow);
    const body = el("tbody");
    for (let i = state.row; i < rowEnd; i++) {
      const row = el("tr");
      row.append(el("th", "", { scope: "row" }, f.rowLabel(i)));
      for (let j = state.col; j < colEnd; j++) row.append(el("td", "", {}, f.text(i, j)));
      body.append(row);
    }
    table.replaceChildren(caption, head, body);
    table.dataset.figure = String(state.figure);
    scroller.setAttribute("aria-label", `${f.title}, as a table`);
  }

  function setOpen(open) {
    if (open && !state.built) {
      state.built = true; // built the first time it is opened, not with the element
      fill();
      scroller.append(table);
    }
    box.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide the table" : "Show as table";
  }
  button.addEventListener("click", () => setOpen(box.hidden));
  return { button, box };
}

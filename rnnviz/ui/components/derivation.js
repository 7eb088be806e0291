// rnnviz derivation: one step's products drawn with their shapes, and any unit's arithmetic.
//
// The payload is rnnviz.views.derivation.payload(...), JSON: for each gate's block (a SimpleRNN has
// one) its two products A (p, q) · B (q, r) → (p, r) in the layout's orientation, its biases
// (and the GRU's reset gate) and its activation, with NumPy's pre-activation and the trace's
// value. Everything after the payload arrives happens here: pointing at a result unit lights
// the row and the column that made it and writes the sum out; focusing does the same; the
// keyboard moves between units (arrow keys) and opens one (Enter). Only opening a unit other
// than the one the server has goes back, as the trigger "unit", so the link keeps it.
//
// The other views talk to this one through DOM events on the document, with no server:
// "rnnviz:open" {key?, unit} opens a unit (the step table's numbers, a weight, the player);
// this view announces "rnnviz:lit" {entries} (the weight entries of the lit unit, which the
// weights view outlines) and keeps the step's numbers on window.rnnvizStep for the weights
// view to say what a weight added.
//
// Every drawn term carries data-rnnviz-term (its two entries, "x_t[2]*W_xh[2,4]") and
// data-rnnviz-value, every sum data-rnnviz-sum, every result unit data-rnnviz-unit: the
// contract in docs/page.md.

const MINUS_SIGN = "\u2212";
const chosen = { key: null, batch: false }; // the block and batch view picked: kept across renders
const views = new WeakMap(); // parentElement -> view; the module outlives each render

export default function (component) {
  const started = performance.now();
  const { data, parentElement, setTriggerValue } = component;
  const unsync = syncTime(component); // the player's t and the server's (sync.js)
  views.get(parentElement)?.destroy();
  const mount = parentElement.querySelector(".rnnviz-dmount") ?? parentElement;
  const view = createDerivation(mount, data, setTriggerValue, started, () => {
    if (views.get(parentElement) === view) views.delete(parentElement);
  });
  views.set(parentElement, view);
  return () => {
    view.destroy();
    unsync();
  };
}

// ---------------------------------------------------------------------------------------------
// Numbers and names

function formatNumber(value, digits = 4) {
  const text = Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-4)
    ? value.toExponential(2)
    : value.toFixed(digits);
  if (/^-0\.?0*$/.test(text)) return text.slice(1);
  return text.replace("-", MINUS_SIGN);
}

function signed(value, digits) {
  const text = formatNumber(value, digits);
  return value < 0 ? `(${text})` : text;
}

// "W_xh^(f)" -> W<sub>xh</sub><sup>(f)</sup>; "h_(t-1)" -> h<sub>t−1</sub>. Text nodes only.
function symbol(text, className = "rnnviz-dsym") {
  const node = el("span", className);
  const pattern = /([_^])(\([^()]*\)|[A-Za-z0-9'̃]+)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    node.append(text.slice(last, match.index));
    let inner = match[2];
    if (match[1] === "_" && inner.startsWith("(")) inner = inner.slice(1, -1);
    node.append(el(match[1] === "_" ? "sub" : "sup", "", {}, inner.replace("-", MINUS_SIGN)));
    last = match.index + match[0].length;
  }
  node.append(text.slice(last));
  return node;
}

function codeNamer(names) {
  const offsets = [0];
  for (const [, shape] of names) offsets.push(offsets.at(-1) + shape.reduce((a, b) => a * b, 1));
  return (code) => {
    if (code < 0) return "0";
    let k = 0;
    while (offsets[k + 1] <= code) k++;
    const [name, shape] = names[k];
    let flat = code - offsets[k];
    const index = new Array(shape.length);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis] = flat % shape[axis];
      flat = Math.floor(flat / shape[axis]);
    }
    return `${name}[${index.join(",")}]`;
  };
}

// An operand with its numbers as float64 (float32 rounded back exactly) and its entries' names.
function operand(op, read, nameOf) {
  const [p, q] = op.shape;
  const values = Float64Array.from(op.values, read);
  const name = (i, j) => {
    if (op.codes) return nameOf(op.codes[i * q + j]);
    if (op.rows?.length) {
      const [n, k] = op.sample_axis === 0 ? [i, j] : [j, i];
      return `${op.vector}[${op.rows[n]},${k}]`;
    }
    return `${op.vector}[${Math.max(i, j)}]`;
  };
  const scale = values.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
  const rows = op.rows ?? []; // a weight has no samples
  return { ...op, rows, p, q, values, name, scale, at: (i, j) => values[i * q + j] };
}

function product(prod, read, nameOf) {
  const A = operand(prod.A, read, nameOf);
  const B = operand(prod.B, read, nameOf);
  const terms = (i, j) => {
    const out = [];
    for (let k = 0; k < A.q; k++) {
      const a = A.at(i, k);
      const b = B.at(k, j);
      out.push({ name: `${A.name(i, k)}*${B.name(k, j)}`, a, b, value: a * b, i, j, k });
    }
    return out;
  };
  const sum = (i, j) => terms(i, j).reduce((s, term) => s + term.value, 0);
  const at = (m, row = 0) => {
    if (prod.only !== null && prod.only !== undefined) return [0, 0];
    return prod.units === 1 ? [row, m] : [m, row];
  };
  const batch = prod.batch ? product(prod.batch, read, nameOf) : null;
  return { ...prod, A, B, terms, sum, at, batch, rows: A.p, cols: B.q };
}

function tint(value, scale) {
  const a = Math.min(1, Math.abs(value) / scale) * 0.42;
  return value >= 0 ? `rgba(214, 96, 77, ${a.toFixed(3)})` : `rgba(67, 147, 195, ${a.toFixed(3)})`;
}

// ---------------------------------------------------------------------------------------------
// The element

function createDerivation(mount, data, send, started, forget) {
  const read = data.float32 ? Math.fround : (x) => x;
  const nameOf = codeNamer(data.names);
  const blocks = data.blocks.map((b) => decodeBlock(b, read, nameOf));
  const after = data.after.map(([name, formula, values]) => ({
    name, formula, values: Float64Array.from(values, read),
  }));
  const M = data.M; // hidden units; the head's block has K outputs
  const state = {
    key: blocks.some((b) => b.key === chosen.key) ? chosen.key : blocks[0].key,
    batch: chosen.batch,
    pinned: data.unit, // the unit opened: the server's, or one opened here since
    output: 0, // the head's output k opened (the link keeps hidden units, not outputs)
    lit: null, // the unit pointed at or focused, over the pinned one while it lasts
    row: null, // over the batch: the row of the lit cell
  };
  const listeners = new AbortController();
  const on = (target, type, handler) =>
    target.addEventListener(type, handler, { signal: listeners.signal });

  const root = el("div", "rnnviz-derivation");
  root.dataset.ready = "false";
  root.dataset.t = String(data.t);
  root.dataset.n = String(data.n);
  const head = el("div", "rnnviz-dhead");
  const tabs = el("div", "rnnviz-dtabs", { role: "tablist", "aria-label": "gate" });
  const tabButtons = new Map();
  if (blocks.length > 1) {
    for (const b of blocks) {
      const button = el("button", "rnnviz-dtab", {
        type: "button", role: "tab", "data-key": b.key, title: b.title,
      });
      button.append(symbol(b.name));
      tabButtons.set(b.key, button);
      tabs.append(button);
    }
  }
  const batchBox = el("input", "", { type: "checkbox" });
  batchBox.checked = state.batch;
  const batchLabel = el("label", "rnnviz-dbatch");
  batchLabel.append(batchBox, " whole batch");
  const hasBatch = blocks[0].products[0].batch !== null;
  const equation = el("p", "rnnviz-dequation");
  head.append(tabs, equation);
  const productsBox = el("div", "rnnviz-dproducts");
  const chain = el("div", "rnnviz-dchain", { "aria-live": "polite" });
  root.append(head, productsBox, chain);
  if (hasBatch) root.append(batchLabel); // last: the step's own arithmetic comes first
  if (data.note) root.append(el("p", "rnnviz-dnote", {}, data.note));
  mount.replaceChildren(root);

  let shown = null; // { block, views: [productView] }

  function block() {
    return blocks.find((b) => b.key === state.key);
  }

  function isHead(b) {
    return b.key === data.head;
  }

  function opened(b = block()) {
    return isHead(b) ? state.output : state.pinned;
  }

  function unit() {
    return state.lit ?? opened();
  }

  function unitsOf(key) {
    return (blocks.find((b) => b.key === key) ?? block()).value.length;
  }

  function draw() {
    const b = block();
    for (const [key, button] of tabButtons) {
      button.setAttribute("aria-selected", String(key === b.key));
      button.tabIndex = key === b.key ? 0 : -1;
    }
    root.dataset.block = b.key;
    equation.replaceChildren(symbol(b.equation));
    const views = b.products.map((p, index) => productView(p, index));
    productsBox.replaceChildren(...(state.batch ? [sliceOfX()] : []), ...views.map((v) => v.element));
    shown = { block: b, views };
    light();
  }

  // Light the unit shown in every product, write its arithmetic, tell the weights view.
  function light() {
    const m = unit();
    const b = shown.block;
    root.dataset.unit = String(m);
    root.dataset.pinned = String(opened(b));
    for (const v of shown.views) v.light(m, state.row);
    chain.replaceChildren(...chainLines(b, m));
    const entries = [];
    for (const p of b.products) {
      const [i, j] = p.at(m);
      for (let k = 0; k < p.A.q; k++) {
        if (p.A.codes) entries.push(p.A.name(i, k));
        if (p.B.codes) entries.push(p.B.name(k, j));
      }
    }
    for (const bias of b.biases) if (bias.names[m] !== "0") entries.push(...bias.names[m].split("+"));
    window.rnnvizLit = { entries, unit: m, key: b.key }; // for a weights view drawn later
    document.dispatchEvent(new CustomEvent("rnnviz:lit", { detail: window.rnnvizLit }));
  }

  // One product: A · B → C as grids, its shapes, and under it the lit cell's sum written out.
  // Falk's scheme: B above C, A to C's left, so row i of A and column j of B meet at C[i, j].
  // With no grid (a side over the limit), two strips instead: the vector, and the unit's
  // column (or row) of the matrix laid along it, the largest terms' entries lit.
  function productView(p, index) {
    if (p.only !== null && p.only !== undefined) return stripView(p, index);
    const drawn = state.batch && p.batch ? p.batch : p;
    const figure = el("figure", "rnnviz-dproduct", { "data-product": String(index) });
    // The caption sits in the scheme's empty corner, above A and left of B.
    const caption = el("figcaption", "rnnviz-dcaption", { title: p.whole });
    caption.append(
      symbol(p.symbol, "rnnviz-dsym rnnviz-dname"),
      el("span", "rnnviz-dshapes", {}, drawn.shapes),
      el("span", "rnnviz-dshapes", {}, `= ${drawn.sizes}`),
    );
    const body = el("div", "rnnviz-dbody");
    const grids = el("div", "rnnviz-dmm");
    const gridA = matrix(drawn.A);
    const gridB = matrix(drawn.B);
    const gridC = results(drawn);
    const corner = el("div", "rnnviz-dcorner");
    corner.append(caption, gridA.label);
    gridB.element.prepend(gridB.label);
    grids.append(corner, gridB.element, gridA.element, gridC.element);
    const line = el("p", "rnnviz-dterms");
    body.append(grids, line);
    figure.append(body);

    return {
      element: figure,
      light(m, row) {
        const r = drawn === p ? 0 : (row ?? nRow(drawn));
        const [i, j] = drawn.at(m, r);
        gridA.light((a) => a === i);
        gridB.light((_, b) => b === j);
        gridC.light(i, j);
        line.replaceChildren(...termsLine(p, drawn, i, j));
      },
    };
  }

  function stripView(p, index) {
    const figure = el("figure", "rnnviz-dproduct rnnviz-dstrips", { "data-product": String(index) });
    const caption = el("figcaption", "rnnviz-dcaption rnnviz-dinline", { title: p.whole });
    caption.append(
      symbol(p.symbol, "rnnviz-dsym rnnviz-dname"),
      el("span", "rnnviz-dshapes", {}, ` ${p.shapes}, unit m = ${p.only}'s ${
        p.units === 1 ? "column" : "row"} alone`),
    );
    const vector = p.units === 1 ? p.A : p.B; // (1, q) or (q, 1)
    const matrix = p.units === 1 ? p.B : p.A; // its column (q, 1) or row (1, q)
    const q = p.A.q;
    const strip = (op, name) => {
      const row = el("div", "rnnviz-dstrip", {
        role: "img", "aria-label": `${name}: ${q} values, coloured by sign and size`,
      });
      const cells = [];
      for (let k = 0; k < q; k++) {
        const value = op.values[k];
        const colour = tint(value, op.scale);
        const cell = el("span", "rnnviz-dtick", { "data-rnnviz-entry": op.name(...(op.p === 1 ? [0, k] : [k, 0])) });
        cell.style.backgroundImage = `linear-gradient(${colour}, ${colour})`;
        cells.push(cell);
        row.append(cell);
      }
      const box = el("div", "rnnviz-dstripbox");
      box.append(symbol(name, "rnnviz-dsym rnnviz-dopname"), row);
      return { box, cells };
    };
    const a = strip(vector, `${vector.symbol} (${vector.p}, ${vector.q})`);
    const b = strip(matrix, `${matrix.symbol}, unit ${p.only} (${q} entries)`);
    const line = el("p", "rnnviz-dterms");
    figure.append(caption, a.box, b.box, line);
    return {
      element: figure,
      light(m) {
        const terms = p.terms(0, 0);
        const top = new Set(
          [...terms].sort((x, y) => Math.abs(y.value) - Math.abs(x.value)).slice(0, data.top)
            .map((term) => term.k),
        );
        for (const { cells } of [a, b]) {
          cells.forEach((cell, k) => cell.classList.toggle("rnnviz-dlit", top.has(k)));
        }
        line.replaceChildren(...termsLine(p, p, 0, 0));
      },
    };
  }

  // Over the batch: where x_t comes from, the slice at t of what the layer reads over every
  // step, one box a step, step t lit.
  function sliceOfX() {
    const box = el("div", "rnnviz-dslice");
    const steps = el("div", "rnnviz-dstrip", {
      role: "img", "aria-label": `steps 1 to ${data.T}, step ${data.t} lit`,
    });
    for (let t = 1; t <= data.T; t++) {
      steps.append(el("span", t === data.t ? "rnnviz-dtick rnnviz-dlit" : "rnnviz-dtick",
        { title: `t = ${t}` }));
    }
    box.append(
      symbol(`${data.X} at t = ${data.t}, below with sample n = ${data.n}'s row marked`,
        "rnnviz-dsym rnnviz-dsmall"),
      steps,
    );
    return box;
  }

  function nRow(drawn) {
    const op = drawn.A.rows.length ? drawn.A : drawn.B;
    return Math.max(0, op.rows.indexOf(data.n));
  }

  // A grid of an operand's numbers (or, with no grid, a strip of colour with no numbers).
  function matrix(op) {
    const element = el("div", "rnnviz-dblock");
    const label = el("div", "rnnviz-dlabel");
    label.append(symbol(op.symbol, "rnnviz-dsym rnnviz-dopname"), ` (${op.p}, ${op.q})`);
    const grid = el("div", "rnnviz-dgrid", {
      role: "img",
      "aria-label": `${op.symbol}, ${op.p} × ${op.q}`,
    });
    grid.style.gridTemplateColumns = `repeat(${op.q}, var(--rnnviz-dcell))`;
    const cells = [];
    for (let i = 0; i < op.p; i++) {
      for (let j = 0; j < op.q; j++) {
        const value = op.at(i, j);
        const cell = el("span", "rnnviz-dcell", { "data-rnnviz-entry": op.name(i, j) });
        cell.textContent = formatNumber(value, 2);
        const colour = tint(value, op.scale);
        cell.style.backgroundImage = `linear-gradient(${colour}, ${colour})`;
        if (op.rows.length) {
          const n = op.rows[op.sample_axis === 0 ? i : j];
          if (n === data.n) cell.classList.add("rnnviz-dsample");
        }
        cells.push([i, j, cell]);
        grid.append(cell);
      }
    }
    element.append(grid);
    return {
      element,
      label,
      light(test) {
        for (const [i, j, cell] of cells) cell.classList.toggle("rnnviz-dlit", test(i, j));
      },
    };
  }

  // C's cells: what can be pointed at, focused and opened.
  function results(drawn) {
    const element = el("div", "rnnviz-dblock rnnviz-dC");
    const grid = el("div", "rnnviz-dgrid rnnviz-dresult", {
      role: "grid", "aria-label": "result units: arrow keys move, Enter opens",
    });
    grid.style.gridTemplateColumns = `repeat(${drawn.cols}, var(--rnnviz-dcell))`;
    const cells = [];
    for (let i = 0; i < drawn.rows; i++) {
      // A grid's rows and cells, for assistive technology; display: contents keeps the
      // buttons on the CSS grid.
      const gridRow = el("div", "rnnviz-drow", { role: "row" });
      gridRow.style.display = "contents";
      for (let j = 0; j < drawn.cols; j++) {
        const m = drawn.only ?? (drawn.units === 1 ? j : i);
        const row = drawn.units === 1 ? i : j;
        const value = drawn.sum(i, j);
        const cell = el("button", "rnnviz-dcell rnnviz-dunit", {
          type: "button",
          tabIndex: -1,
          "data-rnnviz-unit": String(m),
          "data-rnnviz-value": String(value),
        });
        if (drawn.A.rows.length || drawn.B.rows.length) {
          const op = drawn.A.rows.length ? drawn.A : drawn.B;
          cell.dataset.rnnvizSample = String(op.rows[row]);
          if (op.rows[row] === data.n) cell.classList.add("rnnviz-dsample");
        }
        cell.textContent = formatNumber(value, 2);
        cell.setAttribute("aria-label", `unit ${m}: ${formatNumber(value, 4)}`);
        cells.push({ i, j, m, row, cell });
        const gridCell = el("div", "rnnviz-dgridcell", { role: "gridcell" });
        gridCell.style.display = "contents";
        gridCell.append(cell);
        gridRow.append(gridCell);
      }
      grid.append(gridRow);
    }
    const find = (i, j) => cells.find((c) => c.i === i && c.j === j);
    on(grid, "pointerover", (event) => {
      const c = cells.find((x) => x.cell === event.target.closest(".rnnviz-dunit"));
      if (c) point(c.m, c.row);
    });
    on(grid, "pointerleave", () => point(null, null));
    on(grid, "focusin", (event) => {
      const c = cells.find((x) => x.cell === event.target);
      if (c) point(c.m, c.row);
    });
    on(grid, "focusout", () => point(null, null));
    on(grid, "click", (event) => {
      const c = cells.find((x) => x.cell === event.target.closest(".rnnviz-dunit"));
      if (c) open(c.m, null, event);
    });
    on(grid, "keydown", (event) => {
      const c = cells.find((x) => x.cell === event.target);
      if (!c) return;
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (event.key in moves) {
        event.preventDefault();
        const [di, dj] = moves[event.key];
        const next = find(c.i + di, c.j + dj);
        if (next) focusCell(next);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        open(c.m, null, event);
      } else if (event.key === "Home" || event.key === "End") {
        event.preventDefault();
        focusCell(event.key === "Home" ? cells[0] : cells.at(-1));
      }
    });
    function focusCell(c) {
      for (const x of cells) x.cell.tabIndex = -1;
      c.cell.tabIndex = 0;
      c.cell.focus();
    }
    element.append(grid);
    return {
      element,
      light(i, j) {
        for (const c of cells) {
          const lit = c.i === i && c.j === j;
          c.cell.classList.toggle("rnnviz-dlit", lit);
          c.cell.classList.toggle("rnnviz-dopen", c.m === opened());
          c.cell.tabIndex = lit ? 0 : -1;
        }
      },
    };
  }

  // The lit cell's sum, term by term: all of them on a grid, the largest without one.
  function termsLine(p, drawn, i, j) {
    const terms = drawn.terms(i, j);
    const total = terms.reduce((s, term) => s + term.value, 0);
    const who = drawn === p ? "" : ` (sample ${rowSample(drawn, i, j)})`;
    const nodes = [symbol(`${p.symbol}`, "rnnviz-dsym"), `[${unitOf(drawn, i, j)}]${who} = `];
    let written = terms;
    let rest = null;
    const only = p.only !== null && p.only !== undefined;
    if (only && terms.length > data.top) {
      written = [...terms].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, data.top);
      const kept = new Set(written);
      rest = terms.filter((term) => !kept.has(term));
    }
    written.forEach((term, index) => {
      if (index) nodes.push(" + ");
      const span = el("span", "rnnviz-dterm", {
        "data-rnnviz-term": term.name,
        "data-rnnviz-value": String(term.value),
        title: term.name.replace("*", " · "),
        tabIndex: -1,
      }, `${signed(term.a, 3)}·${signed(term.b, 3)}`);
      nodes.push(span);
    });
    if (rest) {
      const restSum = rest.reduce((s, term) => s + term.value, 0);
      nodes.push(
        " + ",
        el("span", "rnnviz-drest", { "data-rnnviz-rest": String(restSum) },
          `${rest.length} smaller terms (${formatNumber(restSum, 4)})`),
      );
    }
    nodes.push(" = ", el("strong", "rnnviz-dvalue", { "data-rnnviz-sum": String(total) },
      formatNumber(total, 4)));
    return nodes;
  }

  function unitOf(drawn, i, j) {
    return drawn.only ?? (drawn.units === 1 ? j : i);
  }

  function rowSample(drawn, i, j) {
    const op = drawn.A.rows.length ? drawn.A : drawn.B;
    return op.rows[drawn.units === 1 ? i : j];
  }

  // Unit m of sample n: the pre-activation from the products and biases, then the activation.
  function chainLines(b, m) {
    const sums = b.products.map((p) => p.sum(...p.at(m)));
    const written = (parts) => parts.map(([kind, what, inner]) => {
      if (kind === "product") return b.products[what].symbol;
      if (kind === "bias") return what.symbol;
      return `r_t ⊙ (${written(inner)})`;
    }).join(" + ");
    const numbers = (parts) => parts.map(([kind, what, inner]) => {
      if (kind === "product") return signed(sums[what], 4);
      if (kind === "bias") return signed(what.values[m], 4);
      return `${signed(what.values[m], 4)}·(${numbers(inner)})`;
    }).join(" + ");
    const pre = b.preOf(m);
    const first = el("p", "rnnviz-dline");
    first.append(
      symbol(`${b.pre_name}`), `[${m}] = `, symbol(written(b.parts)), ` = ${numbers(b.parts)} = `,
      el("strong", "rnnviz-dvalue", { "data-rnnviz-sum": String(pre), "data-rnnviz-pre": b.key },
        formatNumber(pre, 4)),
    );
    const second = el("span", "rnnviz-dthen");
    if (isHead(b)) {  // no activation: the sum is y; NumPy's y beside it
      second.append(
        el("span", "rnnviz-dsmall", {}, " (NumPy's "),
        symbol(b.name, "rnnviz-dsym rnnviz-dsmall"),
        el("span", "rnnviz-dsmall", {}, ": "),
        el("strong", "rnnviz-dvalue rnnviz-dsmall", {
          "data-rnnviz-value": String(b.value[m]), "data-rnnviz-name": b.name,
        }, formatNumber(b.value[m], 6)),
        el("span", "rnnviz-dsmall", {}, ")"),
      );
      first.append(second);
      return [first];
    }
    second.append(
      " ⇒ ",
      symbol(b.name), `[${m}] = ${b.activation}(${formatNumber(pre, 4)}) = `,
      el("strong", "rnnviz-dvalue", {
        "data-rnnviz-value": String(b.value[m]), "data-rnnviz-name": b.name,
      }, formatNumber(b.value[m], 4)),
      el("span", "rnnviz-dsmall", {}, " (NumPy's "),
      symbol(b.pre_name, "rnnviz-dsym rnnviz-dsmall"),
      el("span", "rnnviz-dsmall", {}, `: ${formatNumber(b.pre[m], 6)})`),
    );
    first.append(second);
    const lines = [first];
    if (after.length) {
      const line = el("p", "rnnviz-dline rnnviz-dafter");
      after.forEach((a, index) => {
        line.append(index ? "; " : "then ", symbol(a.name), `[${m}] = `, symbol(a.formula), " = ",
          el("strong", "rnnviz-dvalue", { "data-rnnviz-value": String(a.values[m]),
            "data-rnnviz-name": a.name }, formatNumber(a.values[m], 4)));
      });
      lines.push(line);
    }
    return lines;
  }

  // Pointing and focusing: light, never send.
  function point(m, row) {
    state.lit = m;
    state.row = row;
    light();
  }

  // Opening: pin the unit here at once; a unit the server does not have goes back for the link.
  function open(m, key, event) {
    const began = event?.timeStamp ?? performance.now();
    const target = blocks.find((b) => b.key === key) ?? block();
    if (isHead(target)) state.output = m;
    else state.pinned = m;
    if (target.key !== state.key) {
      state.key = chosen.key = target.key;
      draw();
    } else {
      light();
    }
    void root.offsetHeight; // lay out now, so the time below includes style and layout
    root.dataset.openMs = (performance.now() - began).toFixed(1);
    // ... and to the frame that paints it: what bench/page.py reports
    requestAnimationFrame(() => {
      const ms = performance.now() - began;
      root.dataset.openFrameMs = ms.toFixed(1);
      (window.rnnvizOpenTimes ??= []).push(ms);
    });
    if (!isHead(target) && m !== data.unit) {
      send("unit", m); // the link keeps the hidden unit opened
      data.unit = m;
    }
  }

  on(tabs, "click", (event) => {
    const button = event.target.closest(".rnnviz-dtab");
    if (!button) return;
    state.key = chosen.key = button.dataset.key;
    draw();
  });
  on(tabs, "keydown", (event) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const keys = blocks.map((b) => b.key);
    const k = keys.indexOf(state.key) + (event.key === "ArrowLeft" ? -1 : 1);
    state.key = chosen.key = keys[(k + keys.length) % keys.length];
    draw();
    tabButtons.get(state.key).focus();
  });
  on(batchBox, "change", () => {
    state.batch = chosen.batch = batchBox.checked;
    draw();
  });
  // Opened from elsewhere: a number of the step table, a weight, a cell of the player.
  on(document, "rnnviz:open", (event) => {
    const { key, unit: m } = event.detail;
    if (!(m >= 0 && m < unitsOf(key))) return;
    open(m, key, event);
  });
  // A cell of the player: its gate's block (if it is one) and its unit, shown at once; the
  // step and unit go to the server with the player's own trigger, and come back as data.
  on(document, "rnnviz:player-pick", (event) => {
    const { t, m, key } = event.detail;
    if (blocks.some((b) => b.key === key)) chosen.key = key;
    if (t !== data.t || !(m >= 0 && m < M)) return;
    if (isHead(block())) chosen.key = blocks[0].key; // a cell of h, c or a gate: a unit
    if (chosen.key !== state.key) state.key = chosen.key;
    data.unit = m; // the player's trigger carries it: no second one from here
    state.pinned = m;
    draw();
  });
  // The step table's numbers (plain HTML, drawn by Streamlit) open their unit here.
  const fromTable = (event) => {
    const cell = event.target.closest?.("[data-rnnviz-open]");
    if (!cell) return;
    if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    const [key, m] = cell.dataset.rnnvizOpen.split(":");
    open(Number(m), key || null, event);
  };
  on(document, "click", fromTable);
  on(document, "keydown", fromTable);

  // For the weights view: what each weight entry did at this step.
  window.rnnvizStep = { data, blocks, nameOf };
  draw();
  document.dispatchEvent(new CustomEvent("rnnviz:step", { detail: { t: data.t, n: data.n } }));
  void root.offsetHeight;
  root.dataset.drawMs = (performance.now() - started).toFixed(1);
  root.dataset.ready = "true";

  function destroy() {
    listeners.abort();
    root.remove();
    forget();
  }
  return { destroy };
}

// A block of the payload with its numbers as float64, and what the page and the weights view
// (window.rnnvizStep) both ask of it: unit m's pre-activation as the drawn terms add up, and
// its biases (the reset's inner ones too).
function decodeBlock(b, read, nameOf) {
  const products = b.products.map((p) => product(p, read, nameOf));
  const parts = decodeParts(b.parts, read);
  const biases = [];
  const collect = (list) => {
    for (const [kind, what, inner] of list) {
      if (kind === "bias") biases.push(what);
      if (inner) collect(inner);
    }
  };
  collect(parts);
  const preOf = (m) => {
    const total = (list) => list.reduce((s, [kind, what, inner]) => {
      if (kind === "product") return s + products[what].sum(...products[what].at(m));
      if (kind === "bias") return s + what.values[m];
      return s + what.values[m] * total(inner); // r_t ⊙ (h W + b')
    }, 0);
    return total(parts);
  };
  return {
    ...b,
    products,
    parts,
    biases,
    preOf,
    pre: Float64Array.from(b.pre, read),
    value: Float64Array.from(b.value, read),
  };
}

function decodeParts(parts, read) {
  return parts.map(([kind, what, inner]) => {
    if (kind === "product") return [kind, what];
    const decoded = { ...what, values: Float64Array.from(what.values, read) };
    return inner ? [kind, decoded, decodeParts(inner, read)] : [kind, decoded];
  });
}

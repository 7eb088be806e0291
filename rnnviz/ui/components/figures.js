// rnnviz figures for slides: "PNG (2×)" and "SVG" buttons under every figure, and "Copy link".
//
// Plain functions, no imports or exports: rnnviz.ui.components.figures joins this file with
// the export of the element it mounts (figureDownloads or copyLink).
//
// figureDownloads keeps one MutationObserver on the main pane for the whole page. A batch of
// mutations that adds a Plotly chart's SVG or a canvas marked data-rnnviz-figure schedules one
// pass over the page (in the next animation frame); anything else (the player's numbers on
// each step of t, the derivation's table) is passed over after a look at what was added. The
// caption's config part comes from Python with each render; the step t is read when a button
// is pressed, from the player (its root's data-t) or else the link (step=).

const CHART = '[data-testid="stPlotlyChart"]';
const CANVAS = "canvas[data-rnnviz-figure]";
const WATCHED = `${CHART}, ${CANVAS}, svg.main-svg, .gtitle`;
const SEP = " · ";
const FONT = "12px sans-serif"; // the caption band's; sans-serif needs no font file
const LINE = 16; // px between the band's lines
const PAD = 8; // px around the band's text
const FALLBACK = '"Source Sans 3", "Helvetica Neue", Arial, sans-serif'; // after the page's font

const figures = { caption: "rnnviz", stem: "rnnviz", observer: null, main: null, queued: false };

function figureDownloads({ data }) {
  figures.caption = data.caption;
  figures.stem = data.stem;
  const main = document.querySelector('[data-testid="stMain"]') ?? document.body;
  if (figures.main !== main) {
    figures.observer?.disconnect();
    figures.main = main;
    figures.observer = new MutationObserver((records) => {
      if (!figures.queued && records.some(addsAFigure)) schedule();
    });
    figures.observer.observe(main, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["data-rnnviz-figure"],
    });
  }
  schedule();
}

function addsAFigure(record) {
  if (record.type === "attributes") return true;
  if (record.target.closest?.(CHART)) return true; // Plotly redrew a chart: its title may change
  for (const node of record.addedNodes) {
    if (node.nodeType === 1 && (node.matches(WATCHED) || node.querySelector(WATCHED))) return true;
  }
  return false;
}

function schedule() {
  figures.queued = true;
  requestAnimationFrame(() => {
    figures.queued = false;
    decorate();
  });
}

const owners = new WeakMap(); // toolbar or strip -> the figure or element it belongs to
const bars = new WeakMap(); // chart or canvas -> its toolbar
const strips = new WeakMap(); // an element of canvases -> the strip of their toolbars

function decorate() {
  for (const bar of document.querySelectorAll(".rnnviz-dl, .rnnviz-dl-strip")) {
    const gone = !owners.get(bar)?.isConnected; // its figure was drawn anew, or went
    if (gone || (bar.classList.contains("rnnviz-dl-strip") && !bar.children.length)) bar.remove();
  }
  for (const chart of document.querySelectorAll(CHART)) {
    if (!chart.querySelector("svg.main-svg")) continue; // not drawn yet: Plotly loads lazily
    let bar = bars.get(chart);
    if (!bar?.isConnected) {
      bar = toolbar(chart, () => chartTitle(chart), {
        png: () => chartPng(chart),
        svg: () => chartSvgFile(chart),
      });
      bar.classList.add("rnnviz-dl-chart");
      below(chart).after(bar);
    }
    label(bar, chartTitle(chart));
  }
  for (const canvas of document.querySelectorAll(CANVAS)) {
    const titleOf = () => canvas.dataset.rnnvizFigure || "figure";
    let bar = bars.get(canvas);
    if (!bar?.isConnected) {
      bar = toolbar(canvas, titleOf, { png: () => canvasPng(canvas) });
      bar.prepend(Object.assign(document.createElement("span"), { className: "rnnviz-dl-name" }));
      strip(canvas).append(bar);
    }
    label(bar, titleOf());
  }
  for (const row of document.querySelectorAll(".rnnviz-dl-strip")) shortNames(row);
}

// Each canvas's name in its strip, without what all of them share ("h_t", "c_t" and "h_t bars"
// of "… · sample 0 · layer 1 fwd"; "W_xh · i"): the page around says the rest.
function shortNames(row) {
  const groups = [...row.children];
  const parts = groups.map((bar) => (bar.dataset.title ?? "").split(SEP));
  const shared = (part) => groups.length > 1 && parts.every((p) => p.slice(1).includes(part));
  groups.forEach((bar, i) => {
    const name = bar.querySelector(".rnnviz-dl-name");
    const text = [parts[i][0], ...parts[i].slice(1).filter((part) => !shared(part))].join(SEP);
    if (name && name.textContent !== text) name.textContent = text;
  });
}

// Where a figure's buttons go: after its element on the page, in Streamlit's column. Inside,
// they would be clipped (Streamlit fixes a chart's height) or make the figure itself taller
// (a player or the weights must fit a projector's 720 px in lecture mode).
function below(figure) {
  return figure.closest('[data-testid="stElementContainer"]') ?? figure;
}

// The canvases of one element (the player's heatmaps and bars, the weights' blocks) share one
// strip under it: each figure's short name and its button, in the order of the page.
function strip(canvas) {
  const element = below(canvas);
  let row = strips.get(element);
  if (!row?.isConnected) {
    row = document.createElement("div");
    row.className = "rnnviz-dl-strip";
    owners.set(row, element);
    strips.set(element, row);
    element.after(row);
  }
  return row;
}

// ---- the buttons ----

function toolbar(owner, titleOf, make) {
  const bar = document.createElement("div");
  owners.set(bar, owner);
  bars.set(owner, bar);
  bar.className = "rnnviz-dl";
  bar.setAttribute("role", "group");
  const status = document.createElement("span");
  status.className = "rnnviz-dl-status";
  status.setAttribute("role", "status");
  for (const [kind, text] of [["png", "PNG (2×)"], ["svg", "SVG"]]) {
    if (!make[kind]) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "rnnviz-dl-button";
    button.dataset.kind = kind;
    button.textContent = text;
    button.addEventListener("click", async () => {
      status.textContent = "";
      try {
        const { blob, ext } = await make[kind]();
        save(blob, `rnnviz-${safe(titleOf())}-${figures.stem}${stepStem()}.${ext}`);
      } catch (error) {
        status.textContent = `Could not make the ${kind.toUpperCase()}: ${error.message ?? error}`;
      }
    });
    bar.append(button);
  }
  bar.append(status);
  return bar;
}

function label(bar, title) {
  if (bar.dataset.title === title) return;
  bar.dataset.title = title;
  bar.setAttribute("aria-label", `Download ${title}`);
  for (const button of bar.querySelectorAll("button")) {
    const as = button.dataset.kind === "png" ? "PNG (2×)" : "SVG";
    button.setAttribute("aria-label", `Download ${title} as ${as}`);
  }
}

function chartTitle(chart) {
  const text = (selector) => chart.querySelector(selector)?.textContent.trim();
  return text(".gtitle") || text(".g-ytitle") || "chart";
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000); // the download has it by then
}

// File names: lower-case letters, digits, "_" and "-" only.
function safe(text) {
  const ascii = text.normalize("NFKD").replace(/[^\x20-\x7e]/g, "");
  return ascii.toLowerCase().replace(/[^a-z0-9_]+/g, "-").slice(0, 40).replace(/^-+|-+$/g, "")
    || "figure";
}

// ---- the caption: the config's, then the step shown now ----

function shownT() {
  const player = document.querySelector(".rnnviz-player[data-t]");
  return player?.dataset.t ?? new URLSearchParams(window.location.search).get("step");
}

function captionNow() {
  const t = shownT();
  return t ? `${figures.caption}${SEP}t=${t}` : figures.caption;
}

function stepStem() {
  const t = shownT();
  return t && /^\d+$/.test(t) ? `-step${t}` : "";
}

// The caption in lines that fit `width` px: whole parts where they fit, else words.
function captionLines(text, width) {
  const context = document.createElement("canvas").getContext("2d");
  context.font = FONT;
  const fits = (line) => context.measureText(line).width <= width - 2 * PAD;
  const lines = [];
  let line = "";
  const add = (piece, sep) => {
    if (!line) line = piece;
    else if (fits(line + sep + piece)) line += sep + piece;
    else {
      lines.push(line);
      line = piece;
    }
  };
  for (const part of text.split(SEP)) {
    if (fits(part)) add(part, SEP);
    else for (const [i, word] of part.split(" ").entries()) add(word, i ? " " : SEP);
  }
  if (line) lines.push(line);
  return lines;
}

function bandHeight(lines) {
  return PAD + LINE * lines.length;
}

// The colour behind a figure on the page (the first opaque one up from it), and the caption's
// ink on it: the download looks as the figure does, in either theme.
function backdrop(node) {
  for (let n = node; n; n = n.parentElement) {
    const rgba = getComputedStyle(n).backgroundColor.match(/[\d.]+/g)?.map(Number);
    if (rgba && (rgba.length < 4 || rgba[3] > 0.5)) {
      const [r, g, b] = rgba;
      const light = 0.2126 * r + 0.7152 * g + 0.0722 * b > 128;
      return { fill: `rgb(${r}, ${g}, ${b})`, ink: light ? "#1f1f1f" : "#f2f2f2" };
    }
  }
  return { fill: "#ffffff", ink: "#1f1f1f" };
}

// ---- Plotly charts: their own SVG layers, one standalone SVG ----

const SVG_NS = "http://www.w3.org/2000/svg";

function chartSvg(chart) {
  const layers = [...chart.querySelectorAll("svg.main-svg")];
  if (!layers.length) throw new Error("the chart is not drawn yet");
  const width = Math.round(Number(layers[0].getAttribute("width")));
  const height = Math.round(Number(layers[0].getAttribute("height")));
  const caption = captionNow();
  const lines = captionLines(caption, width);
  const full = height + bandHeight(lines);
  const title = chartTitle(chart);
  const { fill, ink } = backdrop(layers[0]);

  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("xmlns", SVG_NS);
  svg.setAttribute("xmlns:xlink", "http://www.w3.org/1999/xlink");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(full));
  svg.setAttribute("viewBox", `0 0 ${width} ${full}`);
  const add = (name, attributes = {}, text = null) => {
    const node = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== null) node.textContent = text;
    svg.append(node);
    return node;
  };
  add("title", {}, title);
  add("desc", {}, caption);
  add("rect", { width, height: full, fill });
  for (const layer of layers) {
    const copy = layer.cloneNode(true);
    copy.removeAttribute("style"); // the page's absolute placement: each layer starts at 0, 0
    copy.setAttribute("x", "0");
    copy.setAttribute("y", "0");
    // The page's web font is not in the file: name the system's look-alikes after it.
    for (const node of copy.querySelectorAll("[style*='font-family']")) {
      const family = node.style.fontFamily;
      if (!/sans-serif|serif|monospace/.test(family)) node.style.fontFamily = `${family}, ${FALLBACK}`;
    }
    svg.append(copy);
  }
  const band = add("text", {
    class: "rnnviz-caption",
    x: PAD,
    "font-family": "sans-serif",
    "font-size": 12,
    fill: ink,
  });
  lines.forEach((line, i) => {
    const span = document.createElementNS(SVG_NS, "tspan");
    span.setAttribute("x", String(PAD));
    span.setAttribute("y", String(height + PAD / 2 + LINE * (i + 1) - 4));
    span.textContent = line;
    band.append(span);
  });
  const text = new XMLSerializer().serializeToString(svg);
  return { text, width, height: full, caption, title };
}

async function chartSvgFile(chart) {
  const { text } = chartSvg(chart);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${text}\n`;
  return { blob: new Blob([xml], { type: "image/svg+xml" }), ext: "svg" };
}

async function chartPng(chart) {
  const { text, width, height, caption, title } = chartSvg(chart);
  const image = new Image();
  image.src = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  try {
    await image.decode();
  } finally {
    URL.revokeObjectURL(image.src);
  }
  const canvas = document.createElement("canvas");
  canvas.width = 2 * width;
  canvas.height = 2 * height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0, canvas.width, canvas.height); // the band is in the SVG
  return { blob: await png(canvas, { Title: title, Description: caption }), ext: "png" };
}

// ---- canvases: the cells themselves, nearest neighbour, then the band ----

async function canvasPng(source) {
  const box = source.getBoundingClientRect();
  const width = Math.round(box.width);
  const height = Math.round(box.height);
  if (!width || !height) throw new Error("the figure is not on screen");
  const caption = captionNow();
  const lines = captionLines(caption, width);
  const full = height + bandHeight(lines);
  const canvas = document.createElement("canvas");
  canvas.width = 2 * width;
  canvas.height = 2 * full;
  const context = canvas.getContext("2d");
  const { fill, ink } = backdrop(source);
  context.scale(2, 2);
  context.fillStyle = fill;
  context.fillRect(0, 0, width, full);
  context.imageSmoothingEnabled = false; // one cell, one sharp block
  context.drawImage(source, 0, 0, width, height);
  context.fillStyle = ink;
  context.font = FONT;
  lines.forEach((line, i) => context.fillText(line, PAD, height + PAD / 2 + LINE * (i + 1) - 4));
  const title = source.dataset.rnnvizFigure || "figure";
  return { blob: await png(canvas, { Title: title, Description: caption }), ext: "png" };
}

// ---- PNG metadata: iTXt chunks (UTF-8 text) right after IHDR ----

async function png(canvas, texts) {
  const blob = await new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser made no PNG"))), "image/png"),
  );
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const afterHeader = 8 + 8 + 13 + 4; // signature, then IHDR: length, type, 13 bytes, CRC
  const chunks = Object.entries(texts).map(([keyword, text]) => iTXt(keyword, text));
  return new Blob([bytes.slice(0, afterHeader), ...chunks, bytes.slice(afterHeader)], {
    type: "image/png",
  });
}

function iTXt(keyword, text) {
  const encoder = new TextEncoder();
  // keyword, NUL, compression flag 0, method 0, language "" NUL, translated keyword "" NUL
  const data = concat(encoder.encode(keyword), new Uint8Array([0, 0, 0, 0, 0]), encoder.encode(text));
  const type = encoder.encode("iTXt");
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(type, 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

let crcTable = null;

function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- "Copy link to this view" ----

function copyLink({ parentElement }) {
  const box = parentElement.querySelector(".rnnviz-copylink");
  if (box.dataset.ready) return;
  box.dataset.ready = "true";
  const button = box.querySelector(".rnnviz-copylink-button");
  const status = box.querySelector(".rnnviz-copylink-status");
  const field = box.querySelector(".rnnviz-copylink-url");
  const say = (text) => {
    status.textContent = ""; // a fresh text: the same words are announced again
    requestAnimationFrame(() => (status.textContent = text));
  };
  button.addEventListener("click", async () => {
    const url = window.location.href;
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(url);
        field.hidden = true;
        say("Link copied");
        return;
      } catch {
        // refused (no permission, or the page lost focus): show it to copy by hand
      }
    }
    field.value = url;
    field.hidden = false;
    field.focus();
    field.select();
    say("This browser would not copy it here: the link is selected below, press Ctrl+C (⌘C)");
  });
}

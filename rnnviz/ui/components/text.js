// rnnviz text: the held-out text, each character coloured by one unit's state, wrapping like text.
//
// The payload (rnnviz.ui.sections.text) is JSON: the characters shown (a window of the held-out
// text, from `offset`), the chosen state's value after each, on the page's diverging scale
// centred on zero, and, once a character has been clicked, its connectivity: how strongly the
// logit of the character that came next depended on each earlier character, on a sequential
// scale, drawn as the text's background instead. Pointing at a character says its value, with
// no server; a click comes back as the trigger "pick" (the character's index in the held-out
// text), a stretch selected with the mouse as the trigger "select" ([first, last]).

const RETURN = "\u21b5"; // ↵: a line end is drawn, and coloured, before the line breaks
const mounted = new WeakMap(); // parentElement -> destroy(); the module outlives each render

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  mounted.get(parentElement)?.();
  const mount = parentElement.querySelector(".rnnviz-tmount") ?? parentElement;
  const destroy = drawText(mount, data, setTriggerValue);
  mounted.set(parentElement, destroy);
  return destroy;
}

function drawText(mount, data, setTriggerValue) {
  mount.replaceChildren();
  const diverging = lookupTable(data.diverging);
  const sequential = lookupTable(data.sequential);
  const dColours = cssColours(diverging);
  const sColours = cssColours(sequential);
  const chars = [...data.text]; // by code point, as Python counts them
  const links = data.links; // null, or {t, from, values: 0..1 for τ = from..t}
  const bound = data.bound > 0 ? data.bound : 1;
  const readout = el("p", "rnnviz-treadout", { role: "status", "aria-live": "polite" }, data.hint);
  const body = el("div", "rnnviz-ttext", { "aria-label": data.label, tabindex: "0" });
  const spans = document.createDocumentFragment();
  chars.forEach((ch, j) => {
    const i = data.offset + j;
    const span = document.createElement("span");
    span.dataset.i = String(i);
    span.textContent = ch === "\n" ? `${RETURN}\n` : ch;
    let lut = diverging;
    let k;
    if (links) {
      lut = sequential;
      const inside = i >= links.from && i <= links.t;
      k = inside ? colourIndex(links.values[i - links.from], 0, 1) : null;
      if (i === links.t) span.className = "rnnviz-tpicked";
      if (k !== null) span.style.background = sColours[k];
    } else {
      k = colourIndex(data.values[j], -bound, bound);
      span.style.background = dColours[k];
    }
    if (k !== null && isDark(lut, k)) span.style.color = "#fff";
    spans.append(span);
  });
  body.append(spans);
  mount.append(readout, body);

  const charOf = (node) => {
    const span = node?.nodeType === 1 ? node.closest("span[data-i]") : node?.parentElement?.closest("span[data-i]");
    return span && body.contains(span) ? Number(span.dataset.i) : null;
  };
  const shown = (i) => {
    const ch = chars[i - data.offset];
    return ch === "\n" ? "the line end" : ch === " " ? "a space" : `'${ch}'`;
  };
  const onOver = (event) => {
    const i = charOf(event.target);
    if (i === null) return;
    const j = i - data.offset;
    if (links && i >= links.from && i <= links.t) {
      readout.textContent = `${shown(i)} (character ${i}): ${data.linkLabel} ${
        formatFixed(links.raw[i - links.from], 4)}`;
    } else {
      readout.textContent = `${shown(i)} (character ${i}): ${data.valueLabel} = ${
        formatFixed(data.values[j], 4)}`;
    }
  };
  const onUp = () => {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed) return;
    const a = charOf(selection.anchorNode);
    const b = charOf(selection.focusNode);
    if (a === null || b === null || a === b) return;
    setTriggerValue("select", [Math.min(a, b), Math.max(a, b)]);
  };
  const onClick = (event) => {
    const selection = window.getSelection();
    if (selection && !selection.isCollapsed) return; // a selection, not a click
    const i = charOf(event.target);
    if (i !== null) setTriggerValue("pick", i);
  };
  body.addEventListener("mouseover", onOver);
  body.addEventListener("mouseup", onUp);
  body.addEventListener("click", onClick);
  window.rnnvizText = { offset: data.offset, shown: chars.length, links: links ? links.t : null };
  return () => {
    body.removeEventListener("mouseover", onOver);
    body.removeEventListener("mouseup", onUp);
    body.removeEventListener("click", onClick);
  };
}

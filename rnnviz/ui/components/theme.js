// rnnviz theme: the page in the theme its link asks for (?theme=light|dark).
//
// Streamlit picks its theme once, as the page loads: from embed_options=light_theme or
// dark_theme in the URL, else from the visitor's last choice in its settings menu, else from
// the system's colour scheme. So when the theme on screen is not the one the link asks for,
// the page loads again once, with embed_options saying which. What is on screen is read from
// the app's own background, as Streamlit itself tells its light themes from its dark ones
// (st.context.theme, the server's view of it, may be wrong on a session's first load).
//
// Never a loop: a tab asks for a theme at most once until a render shows it (sessionStorage);
// a load that still shows the other theme leaves the page as it is.
//
// Streamlit defines its theme's colours as CSS variables (--st-text-color, ...) only around a
// component's element; copied to the document's root, they reach the page's own HTML too
// (page.css: the ledger, the step's numbers), which so reads in either theme.

const ASKED = "rnnviz-theme-asked";
const HUES = ["red", "orange", "yellow", "green", "blue", "violet", "gray"];
const COLOURS = [
  "background-color", "secondary-background-color", "text-color", "primary-color", "link-color",
  "heading-color", "border-color", "border-color-light", "widget-border-color",
  "code-background-color", "code-text-color",
  ...HUES.flatMap((hue) => [`${hue}-color`, `${hue}-text-color`, `${hue}-background-color`]),
].map((name) => `--st-${name}`);

function shareColours(element, theme) {
  // Every value is read before any is written: a read after a write to the root makes the
  // browser restyle the whole page again, once per colour (100 ms on a loading page, not 1).
  const theirs = getComputedStyle(element);
  const values = COLOURS.map((name) => [name, theirs.getPropertyValue(name).trim()]);
  const root = document.documentElement;
  for (const [name, value] of values) {
    // set only what changed: a new value on the root restyles the whole page
    if (value && root.style.getPropertyValue(name) !== value) root.style.setProperty(name, value);
  }
  if (root.dataset.rnnvizTheme !== theme) root.dataset.rnnvizTheme = theme;
}

function shownTheme() {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return null;
  const rgb = getComputedStyle(app).backgroundColor.match(/[\d.]+/g);
  if (!rgb || rgb.length < 3) return null;
  const linear = rgb.slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  return luminance > 0.5 ? "light" : "dark";
}

export default function ({ data, parentElement }) {
  const wanted = data.theme;
  const shown = shownTheme();
  if (shown === null) return;
  shareColours(parentElement, shown);
  try {
    if (shown === wanted) {
      sessionStorage.removeItem(ASKED);
      return;
    }
    if (sessionStorage.getItem(ASKED) === wanted) return; // asked already: never again
    sessionStorage.setItem(ASKED, wanted);
  } catch {
    return; // no storage to remember the request by: no reload either
  }
  const url = new URL(window.location.href);
  const kept = url.searchParams.getAll("embed_options").filter((o) => !o.endsWith("_theme"));
  url.searchParams.delete("embed_options");
  for (const option of [...kept, `${wanted}_theme`]) url.searchParams.append("embed_options", option);
  url.searchParams.set("theme", wanted);
  window.location.replace(url.href);
}

// rnnviz t sync: the server's t and the player's, kept together through DOM events.
//
// Plain functions, no imports or exports: Python joins this file in front of the script of the
// element that carries it (rnnviz.ui.components.player's t_sync, or the step's derivation,
// which carries it on the real page so that a step of t redraws one element fewer).
//
// Each render announces the server's t ("rnnviz:server-t") and the player follows it unless it
// is playing; a t the user picks in the player ("rnnviz:player-t", never sent while playing)
// goes back as the trigger "t", and a cell of a heatmap clicked ("rnnviz:player-pick") as the
// trigger "pick", its step and unit together. Triggers and not state values, because a state
// value only fires its callback when it differs from the last value the browser sent.

const syncs = new WeakMap(); // parentElement -> state; the module outlives each render

function syncTime({ data, parentElement, setTriggerValue }) {
  let sync = syncs.get(parentElement);
  if (!sync) {
    sync = { known: null, inFlight: [], send: null };
    const listeners = new AbortController();
    document.addEventListener("rnnviz:player-t", (event) => {
      const t = event.detail.t;
      if (t === sync.known) return; // the server has it already: no rerun
      sync.known = t;
      sync.inFlight = [...sync.inFlight.slice(-15), t];
      sync.send("t", t);
    }, { signal: listeners.signal });
    // A cell of a heatmap: its step and its unit go together, at once, in one rerun.
    document.addEventListener("rnnviz:player-pick", (event) => {
      const { t, m } = event.detail;
      sync.known = t;
      sync.inFlight = [...sync.inFlight.slice(-15), t];
      sync.send("pick", { t, m });
    }, { signal: listeners.signal });
    sync.destroy = () => {
      listeners.abort();
      syncs.delete(parentElement);
    };
    syncs.set(parentElement, sync);
  }
  // The newest setter carries the newest fragment and form ids.
  sync.send = setTriggerValue;
  const t = data.t;
  const sent = sync.inFlight.lastIndexOf(t);
  const newer = sent >= 0 && sent < sync.inFlight.length - 1;
  // The echo of a value we sent is done with; an unknown t came from elsewhere (the slider).
  sync.inFlight = sent >= 0 ? sync.inFlight.slice(sent + 1) : [];
  if (!newer) { // an older echo while a newer t is on its way would pull the player back
    sync.known = t;
    document.dispatchEvent(new CustomEvent("rnnviz:server-t", { detail: { t } }));
  }
  return sync.destroy;
}

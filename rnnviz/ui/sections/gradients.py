"""Section 8, gradients through time: BPTT by hand, and how far back y still feels x_t."""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.ui import cache
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def draw(config: RNNConfig, view: View) -> None:
    """Section 8: backpropagation through time by hand (``rnnviz.views.gradients``), how far back
    y still feels x_t, and the same for SimpleRNN, LSTM and GRU side by side. The full page
    computes it once the expander is opened; lecture mode at once."""
    page.header("gradients")
    st.caption(
        "The gradient of s = Σ y (every output, and every step with return_sequences) with "
        "respect to each input x_t, and of Σ h_T with respect to each h_t, by a hand-written "
        "backward pass over the trace, checked against Keras' own tf.GradientTape below. A "
        "line that falls as t moves away from T is a gradient vanishing through time: the "
        "model cannot learn from what it saw that long ago."
    )
    page.on_demand("gradients", "Backpropagate through time", view.present, _gradients, config)


@st.fragment
def _gradients(c: RNNConfig) -> None:
    n = min(int(st.session_state.get("_sample", 0)), c.N - 1)
    compare = st.toggle(
        "Compare cells",
        key="compare_cells",
        help="SimpleRNN, LSTM and GRU at these sizes, seed and options, on the same axes.",
    )
    figs = cache.gradient_figures(c, n, compare)
    for (key, fig), col in zip(figs[:2], st.columns(2), strict=True):
        with col:
            page.chart(fig, key)
    page.chart(figs[2][1], figs[2][0])
    ((_, sentence, _),) = cache.spectrum_view(c, c.layers, "fwd")  # the last layer's W_hh
    st.markdown(f"**The spectrum of W_hh (section 9) and these lines:** {sentence}")
    tape = st.empty()  # Keras' part: filled once Keras' side is in

    def fill() -> None:
        _tape_check(tape, c)

    if cache.keras_ready(c) or not page.later(fill):
        fill()
    else:
        tape.info(
            "tf.GradientTape's check follows once Keras is ready…", icon=":material/hourglass_top:"
        )
    g = cache.gradients(c)
    norms = g.grad_norm_x  # (T,)
    st.caption(
        f"Over all samples, ‖∂s/∂x_t‖ is {norms[-1]:.2e} at t = T = {c.T} and {norms[0]:.2e} "
        f"at t = 1: y feels its first input {norms[0] / norms[-1]:.1e} times as strongly as "
        "its last."
        if norms[-1] > 0
        else ""
    )


def _tape_check(place, c: RNNConfig) -> None:
    """One line: the hand-written ∂s/∂X and ∂h_T/∂h_t against tf.GradientTape's."""
    try:
        check = cache.tape_check(c)
    except Exception as err:  # the page shows a sentence, never a traceback
        place.error(f"tf.GradientTape could not be asked: {type(err).__name__}: {err}")
        return
    said = (
        f"the largest difference is {check.grad_max_rel_err:.1e} of the largest gradient "
        f"(tolerance {check.tolerance:.0e})"
    )
    if check.grad_agree:
        place.success(f"Keras' tf.GradientTape agrees: {said}.", icon=":material/check_circle:")
    else:
        place.error(f"Keras' tf.GradientTape disagrees: {said}.", icon=":material/error:")

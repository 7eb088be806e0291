"""Section 7, what if the shape is wrong? Five shape mistakes made live against Keras."""

from __future__ import annotations

import streamlit as st

from rnnviz.config import NO_EDIT, RNNConfig
from rnnviz.recurrence import bugs
from rnnviz.ui import cache
from rnnviz.ui.notes import as_plain_markdown
from rnnviz.ui.sections import page
from rnnviz.ui.view import View

# How each outcome of a mistake is labelled: Keras raised, accepted wrongly, accepted harmlessly.
OUTCOME_BADGES = {
    "error": ":red-badge[:material/error: Keras raised {error}]",
    "silent": ":orange-badge[:material/warning: No error, and a wrong result]",
    "harmless": ":green-badge[:material/check: No error, and no harm for these sizes]",
}


def draw(config: RNNConfig, view: View) -> None:
    """Section 7: each shape mistake made live against Keras (``rnnviz.keras_side.shape_mistakes``),
    beside its fix. Making them costs Keras calls, so the full page makes them only once the
    expander is opened; lecture mode, which shows this section alone, makes them at once."""
    page.header("mistakes")
    st.caption(
        "Each mistake below is run now, on a Keras model of this config built for the purpose, "
        "with this page's X: what you read is the installed Keras' own message, or the numbers "
        "it returned without a word, beside the fix."
    )
    page.on_demand("mistakes", "Make the five mistakes", view.present, _mistakes, config)


def _mistakes(c: RNNConfig) -> None:
    try:
        # the bug is NumPy's alone; the mistakes are made on X as drawn (an edit is one sample's)
        items = cache.shape_mistakes(c.replace(bug=bugs.NONE, x_edit=NO_EDIT))
    except Exception as err:  # the page shows a sentence, never a traceback
        st.error(f"Keras could not be asked: {type(err).__name__}: {err}", icon=":material/error:")
        return
    for m in items:
        with st.container(key=f"mistake_{m.key}"):
            st.subheader(m.title, anchor=False)
            wrong, right = st.columns(2, gap="large")
            with wrong:
                st.markdown("**The mistake**")
                st.code(m.wrong, language="python", wrap_lines=True)
                st.markdown(OUTCOME_BADGES[m.kind].format(error=m.error))
                st.code(m.outcome, language=None, wrap_lines=True)
                if m.note:
                    st.caption(m.note)
                if m.also:
                    st.caption("Once `model.predict(X)` has run, Keras says instead:")
                    st.code(m.also, language=None, wrap_lines=True)
            with right:
                st.markdown("**The fix**")
                st.code(m.fix, language="python", wrap_lines=True)
                shape = as_plain_markdown(m.fix_shape)
                st.markdown(f":green-badge[:material/check: Shape] {shape}")

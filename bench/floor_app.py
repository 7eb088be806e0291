"""The floor for bench/page.py: the least a Streamlit page can do on a slider step.

One sidebar slider and one line of text, so a step's time is Streamlit's own round trip
(browser -> server -> rerun -> delta -> React) with no work of rnnviz's in it.
"""

import streamlit as st

t = st.sidebar.slider("t", 1, 10)
st.write(f"t = {t}")

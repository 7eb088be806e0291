"""A page whose script raises, to see what each profile shows of an error.

Served by tests/test_deploy_browser.py with the hosted profile (.streamlit/config.toml)
and with the local one (``make run``'s ``--client.showErrorDetails full``).
"""

import streamlit as st

st.write("Before the error.")
raise ValueError("the detail only a developer should see: W_hh is (4, 5), expected (5, 5)")

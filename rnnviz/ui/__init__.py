"""The Streamlit front end. Only this package imports Streamlit.

``sidebar`` turns widgets and the URL into an ``RNNConfig``, ``cache`` keeps
built models and finished runs between reruns and sessions, and ``sections``
draws the page from a finished ``Run``.
"""

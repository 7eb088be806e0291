"""The Streamlit front end: the page. Only this package imports Streamlit.

``sidebar`` turns the widgets into an ``RNNConfig`` and a ``View`` (``view``); ``link`` reads
the URL once and writes it back on every run; ``held`` is what a session holds on the server
and the one flow by which an upload or an edit arrives; ``cache`` keeps the pipeline's stages
and the views between reruns and sessions, and the server's store; ``contents`` is the table
of sections, one module each in ``sections`` (``sections.page`` draws them, NumPy's first);
``components`` draws the player and the weights in the browser, and holds the charts' places
below the fold.
"""

"""The elements drawn in the browser: the state player, the weights, and the charts' places.

The player and the weights are Streamlit components v2 (no iframe) fed by
``rnnviz.views.player_data.pack``: raw float32 arrays behind a JSON header. ``canvas.js`` (the
payload decoder and the colour tables) is shared, joined in front of each element's own script.
``in_view`` holds a chart's place below the fold until it is scrolled to.
"""

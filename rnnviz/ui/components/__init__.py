"""The two elements drawn in the browser from binary payloads: the state player and the weights.

Both are Streamlit components v2 (no iframe) fed by ``rnnviz.views.player_data.pack``: raw
float32 arrays behind a JSON header. ``canvas.js`` (the payload decoder and the colour tables)
is shared, joined in front of each element's own script.
"""

"""What the page's views need, computed from a finished run: arrays and figures in, no UI.

``gradients`` (BPTT through the whole model), ``forgetting`` (the spectrum of W_hh, a pulse's
trace, the LSTM's forget path), ``player_data`` and ``weight_maps`` (the binary payloads the
browser draws), ``derivation`` (one step's arithmetic, entry by entry), ``figures`` (Plotly),
``export`` and ``standalone`` (the run as .npz, script and notebook).
"""

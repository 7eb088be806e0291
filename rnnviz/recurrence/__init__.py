"""The NumPy side of a run: what each cell is, its step forward and backward, and the checks.

``cells`` is the table of cells (weights, gates, equations); ``forward`` the recurrences, one
line per equation; ``bptt`` backpropagation through time by hand; ``bugs`` the debugger's
planted mistakes; ``agreement`` how Keras' numbers are compared with these; ``network`` the
whole network, layer by layer, then the head; ``initial`` the weights drawn from the seed.
Nothing here imports the rest of rnnviz, Keras or Streamlit.
"""

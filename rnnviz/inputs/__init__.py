"""What comes in from outside the seed, and the one store that holds it on a server.

A visitor brings data (``userdata``: .npy, .npz, .csv), weights (``imported``: a PyTorch
.npz, or a .keras file read by ``rnnviz.keras_side.own_model``) or one sample's X typed on the
page (``x_edits``). Each is named by a digest of its numbers, which is what a config and a
link carry. (X and y drawn from the seed, by hand or by a task, are ``rnnviz.tasks``.)
"""

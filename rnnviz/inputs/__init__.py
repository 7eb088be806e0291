"""What comes in from outside the seed, and the one store that holds it on a server.

A visitor brings data (``userdata``, and ``csv_long`` for a .csv), weights (``imported``: a
PyTorch .npz, or a .keras file read by ``rnnviz.keras_side.own_model``) or one sample's X typed
on the page (``x_edits``). Each is named by a digest of its numbers, which is what a config and
a link carry, and held by ``store`` on the server that took it, with the trainings done there.
(X and y drawn from the seed, by hand or by a task, are ``rnnviz.tasks``.)
"""

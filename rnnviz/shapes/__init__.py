"""What a config's shapes are, before any number exists: the ledger and the three layouts.

``ledger`` derives every tensor's shape and the parameter count, term by term, from the
config alone (so the page draws it before TensorFlow has loaded); ``layouts`` writes the same
weights in Keras', PyTorch's and the textbook's names, shapes and order.
"""

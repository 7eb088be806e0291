"""``python -m rnnviz``: one run from the command line, as a readable report or as JSON.

``flags`` builds the flags from the table of fields and reads them; ``report`` says what a run
found, as text or as the one JSON object of --json; ``main`` reads the files a flag names, runs
Keras beside the NumPy recurrence, writes the exports, and returns the exit status.
"""

from rnnviz.cli.main import main

__all__ = ["main"]

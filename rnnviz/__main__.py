"""``python -m rnnviz``: see ``rnnviz.cli`` for the flags, the JSON contract and exit status."""

import os
import sys

from rnnviz.cli import main

if __name__ == "__main__":
    # Keras' summary draws boxes and the report says "max|Δ|": on a console that cannot
    # encode them, print an escape rather than die with UnicodeEncodeError mid-report.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `python -m rnnviz | head`: the reader left, which is no error
        # Python would still flush stdout at exit and print a second traceback; point it at
        # /dev/null first (the recipe in Python's signal docs). 141 = 128 + SIGPIPE, as a shell.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 141
    raise SystemExit(status)

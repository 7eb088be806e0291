"""The sidebar's downloads: the run as .npz, its weights for PyTorch, a script, a notebook."""

from __future__ import annotations

import functools

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.ui import cache
from rnnviz.views import export, standalone


def downloads(config: RNNConfig) -> None:
    """The run as .npz, its weights for PyTorch, a script and a notebook: each built from the
    cached run when clicked, never kept."""
    c, r = config, cache.checked(config)  # drawn last: Keras' side is in
    name = export.file_name(c)
    st.download_button(
        "Download this run (.npz)",
        # Streamlit keeps this callable for as long as the session (and 2 minutes after it
        # closes): it holds the config, not the run, or every run a visitor saw would stay in
        # memory past the cache's budget. A click reads the run from the cache (or reruns it).
        data=functools.partial(cache.npz_bytes, c),
        file_name=name,
        mime="application/octet-stream",
        on_click="ignore",
        help="X, every weight, y from Keras and NumPy, h (and c, gates) after each step.",
    )
    if r.cell.torch_name:
        st.download_button(
            "Weights for PyTorch (.npz)",
            data=functools.partial(cache.torch_npz_bytes, c),
            file_name=name.replace("rnnviz_", "rnnviz_torch_", 1),
            mime="application/octet-stream",
            on_click="ignore",
            help=(
                f"The state_dict of torch.nn.{r.cell.torch_name}(D, M, num_layers, "
                "bidirectional, batch_first=True): kernels transposed, gates in PyTorch's "
                "order, bias_ih and bias_hh; plus head.weight and head.bias for the Dense head."
            ),
        )
    else:
        st.caption(r.cell.torch_refusal)
    beside = "" if standalone.embeds(r) else f" It reads {name} (above) from its own folder."
    for label, data, extension, mime, what in (
        ("Script (.py)", cache.script_bytes, ".py", "text/x-python", "A Python script"),
        (
            "Notebook (.ipynb)",
            cache.notebook_bytes,
            ".ipynb",
            "application/x-ipynb+json",
            "A Jupyter notebook",
        ),
    ):
        st.download_button(
            label,
            data=functools.partial(data, c),  # the config, not the run: see above
            file_name=export.file_name(c, extension),
            mime=mime,
            on_click="ignore",
            help=f"{what} that needs only numpy and tensorflow: it rebuilds this model, loads "
            "these weights and X, runs the NumPy recurrence and prints the verdict." + beside,
        )
    st.caption(
        f"This run holds {_size(r.nbytes)} of arrays. The server's run cache: "
        f"{cache.usage()['runs']}."
    )


def _size(nbytes: int) -> str:
    """1,234 B, 12.3 kB, 4.5 MB: bytes for people."""
    for unit, scale in (("MB", 2**20), ("kB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes:,} B"

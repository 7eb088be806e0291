"""The page's sections, one module each, named by the section's key (``rnnviz.ui.contents``).

Each module's ``draw(config, view)`` lays out what the core computed: numbers come from
``rnnviz.pipeline`` and ``rnnviz.shapes``, figures and player payloads from ``rnnviz.ui.cache``.
``page`` holds what the whole page shares (its title, its CSS, the placeholders shown while
TensorFlow loads), ``numbers`` the HTML and LaTeX tables of numbers.
"""

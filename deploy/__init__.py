"""Hosting rnnviz: Streamlit replicas behind nginx (see replicas.py and the README's Deploy)."""

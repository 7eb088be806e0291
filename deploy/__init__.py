"""Hosting rnnviz: Streamlit replicas behind nginx (see replicas.py and docs/deploy.md)."""

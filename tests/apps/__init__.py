"""Small Streamlit apps that browser tests serve instead of the whole dashboard."""

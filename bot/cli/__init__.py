"""The command line (``python -m bot …``) and the terminal demo."""

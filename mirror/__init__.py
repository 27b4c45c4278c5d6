"""The Alyx-compatible research-data mirror (Django project)."""

__version__ = "0.1.0"

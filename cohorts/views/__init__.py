"""Views of cohorts, one module per area; urls.py names them by module."""

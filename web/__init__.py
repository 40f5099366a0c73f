"""The Flask application (pages and JSON API) — arrives with issue 4."""

"""End-to-end tests: the real app over HTTP, driven in Chromium (see conftest)."""

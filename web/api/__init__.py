"""The JSON API v1 (SPEC 6): one blueprint per feature area."""

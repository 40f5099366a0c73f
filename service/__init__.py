"""Momentum's domain and application layer: aggregates, commands and the service."""

"""Unit tests of the aggregates in service/domain (no persistence)."""

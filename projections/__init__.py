"""Read models of Momentum: tables, projections (events → rows) and queries."""

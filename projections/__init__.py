"""Read models of Momentum: tables, projections (events → rows) and queries.

Where things live, for each read model `<model>`:

- `<model>.py`: the projection — a `batching.BatchedProjection` with its `load` and
  its handlers (registered by event class), and the database reads and writes they
  make;
- `<model>_queries.py`: the reads for pages, the API and notify (notify imports only
  these, never a model's tables);
- its tables: next to the projection in `<model>.py`, or in `<model>_tables.py` once
  that module is long;
- pure maths (values in, values out, no database access): `formulas.py`, or a
  `<model>_*.py` module of the model's own.

The metrics model follows it in full: `metrics.py`, `metrics_queries.py`,
`metrics_tables.py` and `metrics_checkpoints.py`.
"""

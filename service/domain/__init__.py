"""Event-sourced aggregates of Momentum (SPEC section 3).

Module paths and class names here are stored with every event as its topic:
moving or renaming one needs `register_topic` for the old name.
"""

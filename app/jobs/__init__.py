"""Long-running work (import, train, predict, grade, inspect, export) as plain functions.

Qt-free: the CLI calls them directly with a terminal progress bar, the UI runs them on a worker
thread and forwards progress as signals. Every job takes a `JobContext` for progress and
cooperative cancellation (checked between items, never mid-write).
"""

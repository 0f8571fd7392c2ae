"""Builders and checkers shared by the tests (never a test module: tests import from here)."""

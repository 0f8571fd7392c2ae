"""Alembic revisions of the project schema (script_location of app.store.migrations).

Revision 0006_baseline is the schema the frozen SQLite steps of migrations.py reach (project
format 6): a project file gets there through those steps and is stamped; a team database
(PostgreSQL) gets there by running the baseline's PostgreSQL DDL. Every later revision runs on
both dialects. Never edit a released revision: add one.
"""

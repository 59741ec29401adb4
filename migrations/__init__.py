"""Alembic migrations; shipped in the wheel as ``taskcli.migrations``."""

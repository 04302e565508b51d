"""Persistence: SQLAlchemy models, Alembic migrations and the diary repository."""

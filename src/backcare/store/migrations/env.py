"""Alembic environment: runs on the connection handed over by ``backcare.store.migrate``.

One transaction per migration, so an interrupted upgrade stops at the last migration that
finished (and ``backcare.store.migrate`` restores a SQLite file from its backup).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext

from backcare.store.migrate import foreign_key_problems
from backcare.store.models import Base

connection = context.config.attributes["connection"]
sqlite = connection.dialect.name == "sqlite"


def _check_references(ctx: MigrationContext, step: Any, heads: Any, run_args: Any) -> None:
    """SQLite migrates with foreign keys off (batch mode rebuilds tables): refuse to commit a
    migration that left a dangling reference."""
    assert ctx.connection is not None  # online migrations only
    problems = foreign_key_problems(ctx.connection)
    if problems:
        raise RuntimeError("the migration broke references: " + "; ".join(problems[:5]))


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=True,
    # SQLite's DDL is transactional once BEGIN is issued (the migration engine does so).
    transactional_ddl=True,
    on_version_apply=_check_references if sqlite else None,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic environment: migrations always run on a connection handed in by ``Database.migrate``."""

from alembic import context

from lykt.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via Database.migrate / `lykt db upgrade`
    raise SystemExit("Run migrations with `lykt db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

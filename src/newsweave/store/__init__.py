"""Storage: SQLAlchemy Core schema, Alembic migrations and the repository."""

from newsweave.store.repository import Store

__all__ = ["Store"]

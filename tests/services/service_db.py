"""Service tests' database: the services called directly, async, on a real migrated database.

The same ``db_url`` fixture as the CLI tests (a new SQLite file or the
shared PostgreSQL database emptied), migrated with Alembic before the event
loop starts; each ``Database.transaction`` is one engine, one session and
one transaction, disposed inside the test's loop, as a command has.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.config import DatabaseUrl
from taskcli.db.engine import make_engine, session_scope
from taskcli.services.journal_operation import close_operation, open_operation

T = TypeVar("T")
USER = "tester"


@dataclass
class Database:
    url: DatabaseUrl

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        engine = make_engine(self.url, lock_timeout=5.0)
        try:
            async with session_scope(engine, write=write) as session:
                yield session
        finally:
            await engine.dispose()

    async def call(self, service: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        """One service in its own transaction, journaled as a write command is."""
        async with self.transaction() as session:
            operation = await open_operation(session, user=USER, command=service.__name__)
            result = await service(session, **kwargs)
            await close_operation(session, operation_id=operation, user=USER, keep=100)
            return result

    async def read(self, service: Callable[..., Awaitable[T]], /, **kwargs: Any) -> T:
        async with self.transaction(write=False) as session:
            return await service(session, **kwargs)

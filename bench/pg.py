"""A throwaway PostgreSQL database for one benchmark run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from taskcli.config import parse_database_url


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    url = parse_database_url(admin_url)
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port,
        database=url.database,
        timeout=10,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def temporary_database(admin_url: str, *, template: str | None = None) -> Iterator[str]:
    """A new database (a copy of ``template`` if given), dropped on the way out."""
    name = f"taskcli_bench_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

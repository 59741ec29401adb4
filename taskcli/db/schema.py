"""Is this database at the schema this taskcli was built for?

The normal command path must not import Alembic (it costs about 240 ms), so
the revisions are listed here and a test keeps them equal to ``migrations/``.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from taskcli.database_url import DatabaseUrl
from taskcli.errors import DatabaseCorrupt, SchemaMismatch

#: Every revision in ``migrations/versions``, oldest first; the last is head.
KNOWN_REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
)
SCHEMA_HEAD = KNOWN_REVISIONS[-1]

UPGRADE_HINT = 'run "taskcli db upgrade"'


class FreshDatabase(SchemaMismatch):
    """A SQLite file with no tables at all: created by first use, not yet migrated."""


async def check_schema(session: AsyncSession, url: DatabaseUrl) -> None:
    """Raise ``SchemaMismatch`` (exit 3) unless the database is at ``SCHEMA_HEAD``."""
    try:
        result = await session.exec(text("SELECT version_num FROM alembic_version"))  # type: ignore[call-overload]
        revisions = [row[0] for row in result]
    except (sa_exc.OperationalError, sa_exc.ProgrammingError) as error:
        if not _is_missing_table(error):
            raise
        if url.backend == "sqlite" and await _sqlite_is_empty(session):
            raise FreshDatabase("database has no schema yet") from None
        if url.backend == "sqlite":
            # Tables but no alembic_version: another application's file.
            raise DatabaseCorrupt(
                f"{url} is not a taskcli database (it has tables but no alembic_version)"
            ) from None
        raise SchemaMismatch(f"{url} has no taskcli schema; {UPGRADE_HINT}") from None
    describe_revision_problem(revisions, url)


def describe_revision_problem(revisions: list[str], url: DatabaseUrl) -> None:
    """Raise the SPEC's message for a database not at head; return quietly otherwise."""
    if revisions == [SCHEMA_HEAD]:
        return
    if not revisions:
        raise SchemaMismatch(f"{url} has no taskcli schema; {UPGRADE_HINT}")
    if all(revision in KNOWN_REVISIONS for revision in revisions):
        raise SchemaMismatch(
            f"database schema is behind (revision {', '.join(revisions)}, "
            f"this taskcli needs {SCHEMA_HEAD}); {UPGRADE_HINT}"
        )
    raise SchemaMismatch(
        f"database schema is newer than this taskcli knows "
        f"(revision {', '.join(revisions)}); upgrade taskcli"
    )


def _is_missing_table(error: sa_exc.DBAPIError) -> bool:
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "42P01":
        return True
    return "no such table" in str(orig).lower()


async def _sqlite_is_empty(session: AsyncSession) -> bool:
    result = await session.exec(text("SELECT count(*) FROM sqlite_master"))  # type: ignore[call-overload]
    return bool(result.scalar_one() == 0)

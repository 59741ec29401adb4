"""Database plumbing: engines, sessions, schema checks, migrations, error translation."""

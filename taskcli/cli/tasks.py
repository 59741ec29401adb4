"""Task commands."""

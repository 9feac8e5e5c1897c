"""The numbered migration files of one engine's folder, shared by both stores."""

from __future__ import annotations

from importlib import resources

__all__ = ["numbered"]


def numbered(package: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for each ``NNNN_*.sql`` in ``package``, in order; two files with
    one number are an error."""
    found = []
    for entry in resources.files(package).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found

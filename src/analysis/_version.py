"""The package's version, in a module that imports nothing (read by pyproject.toml and the cache keys)."""

__version__ = "0.1.0"

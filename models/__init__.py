"""Bundled model definition files (TOML data only; nothing here is executed)."""

"""Bundled fit set-ups (fit.toml) and their committed results (data only)."""

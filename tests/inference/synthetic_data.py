"""A synthetic aggregate data set (CSV + TOML metadata) written for a test."""


def write_dataset(tmp_path, name: str, rows: str, likelihood: str):
    """Write ``name``.csv (``rows``) and its metadata into ``tmp_path``; returns the CSV path."""
    (tmp_path / f"{name}.csv").write_text(rows)
    (tmp_path / f"{name}.toml").write_text(f'[dataset]\nname = "{name}"\nfile = "{name}.csv"\nkind = "aggregate"\n'
                                           'title = "t"\ncitation = "synthetic"\ncohort = "synthetic"\n'
                                           f'status = "exact"\nlikelihood = "{likelihood}"\n')
    return tmp_path / f"{name}.csv"

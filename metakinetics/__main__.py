"""``python -m metakinetics`` runs the command-line interface."""
from .cli.main import main

if __name__ == "__main__":  # importing the module (e.g. to document it) must not run the CLI
    raise SystemExit(main())

"""``python -m layout.cli`` runs the ``cluster-atlas`` command line."""

from layout.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())

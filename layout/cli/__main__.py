"""``python -m layout.cli`` runs the ``cluster-atlas`` command line."""

from layout.cli.main import main

raise SystemExit(main())

"""``python -m proofs_checks`` is ``mightnt``."""

from .cli import main

raise SystemExit(main())

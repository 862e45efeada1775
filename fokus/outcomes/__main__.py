"""`python -m fokus.outcomes --input FILE.csv [--by COLUMN] --json`."""

from .cli import main

raise SystemExit(main())

"""``python -m benchmarks.stress``."""

from benchmarks.stress.run import main

raise SystemExit(main())

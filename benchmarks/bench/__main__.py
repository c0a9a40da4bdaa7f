"""``python -m benchmarks.bench``."""

from benchmarks.bench.run import main

raise SystemExit(main())

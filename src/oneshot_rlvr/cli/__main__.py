"""`python -m oneshot_rlvr.cli` (how `evaluate-run` starts each checkpoint's evaluation)."""

import sys

from oneshot_rlvr.cli import main

sys.exit(main())

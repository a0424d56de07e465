from __future__ import annotations

import sys

from consult_aid.cli import main

sys.exit(main())

"""``python -m yuqing``: the ``yuqing`` command."""

import sys

from yuqing.cli import main

sys.exit(main())

"""``python -m lrspec``: the same command line as the ``lrspec`` script."""

import sys

from .command import main

sys.exit(main())

"""``python -m talkrig.commands``: the ``talkrig`` console script."""

import sys

from talkrig.commands.cli import main

sys.exit(main())

"""Engine benchmark: see bench/README.md (same as ``talkrig bench``)."""

import sys

from talkrig.bridge.benchmark import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

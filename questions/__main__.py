"""Entry point of ``python -m questions``."""

import logging
import sys

from questions.cli import run

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run())

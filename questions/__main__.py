"""Entry point of ``python -m questions``."""

import logging
import os
import sys

from questions.cli import main

if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        exit_code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (e.g. `| head`) went away: stop quietly, and keep Python from failing on exit flush
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        exit_code = 1
    sys.exit(exit_code)

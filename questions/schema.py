"""Render the JSON schema of fact packs, shipped as ``seeds/factpack.schema.json`` for editors.

Regenerate the shipped file after changing ``questions.models``::

    python -m questions.schema > seeds/factpack.schema.json
"""

from __future__ import annotations

import json
import sys

from questions.models import FactPack


def factpack_json_schema() -> str:
    """Return the JSON schema of a fact pack: pretty, keys sorted, with a trailing newline."""
    schema = FactPack.model_json_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Write the fact pack JSON schema to standard output."""
    sys.stdout.write(factpack_json_schema())


if __name__ == "__main__":
    main()

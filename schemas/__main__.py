"""`python -m schemas [DIR]`: regenerate the JSON Schema files (default: schemas/json/)."""

from __future__ import annotations

import sys
from pathlib import Path

from schemas.export import JSON_DIR, export_json_schemas


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else JSON_DIR
    for path in export_json_schemas(directory):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

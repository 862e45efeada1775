"""The API's OpenAPI document, as committed in docs/openapi.json.

    .venv/bin/python tools/openapi.py          # write docs/openapi.json
    .venv/bin/python tools/openapi.py --check  # exit 1 if it differs from the code

tests/test_api.py fails when the committed file is not what the code makes."""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "openapi.json"


def document() -> str:
    from fokus.api.views import api

    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False,
                      sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
    import django

    django.setup()
    text = document()
    if "--check" in argv:
        same = TARGET.exists() and TARGET.read_text() == text
        print("docs/openapi.json is up to date" if same else
              "docs/openapi.json differs: run .venv/bin/python tools/openapi.py")
        return 0 if same else 1
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

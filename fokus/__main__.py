"""The `fokus` command: Django's manage commands, plus `fokus outcomes`.

`fokus outcomes` runs the statistics engine on a ratings file without Django or a
database, so that a researcher can use it on a laptop.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "outcomes":
        from fokus.outcomes.cli import main as outcomes_main

        return outcomes_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())

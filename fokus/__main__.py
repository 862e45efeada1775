"""The `fokus` command: Django's manage commands, plus `fokus outcomes`.

`fokus outcomes --input FILE.csv` runs the statistics engine on a ratings file
without Django or a database, so that a researcher can use it on a laptop.
`fokus outcomes --organisation NAME` runs it over the database: that needs
Django, so it goes to the management command `outcomes-db`.
"""

import os
import sys


def _has_option(args: list[str], name: str) -> bool:
    return any(a == name or a.startswith(name + "=") for a in args)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "outcomes":
        if not _has_option(argv[2:], "--organisation"):
            from fokus.outcomes.cli import main as outcomes_main

            return outcomes_main(argv[2:])
        if _has_option(argv[2:], "--input"):
            print("fokus outcomes: --input and --organisation exclude each other",
                  file=sys.stderr)
            return 2
        argv = [argv[0], "outcomes-db", *argv[2:]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fokus.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())

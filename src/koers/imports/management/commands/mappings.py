"""`koers mappings list | show NAME | add NAME FILE | export NAME [FILE]`: the saved mappings
that the wizard, the API, the watched folder and `koers import --mapping` use."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from koers.imports.saved import MappingError, mapping_save, parse_mapping


class Command(BaseCommand):
    help = "List, show, add (or replace) and export saved import mappings."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        steps = parser.add_subparsers(dest="step", required=True)
        steps.add_parser("list", help="every saved mapping: name, kind, when saved")
        show = steps.add_parser("show", help="a mapping's YAML")
        show.add_argument("name")
        add = steps.add_parser("add", help="save a YAML file under a name (replaces one)")
        add.add_argument("name")
        add.add_argument("file", type=Path)
        export = steps.add_parser("export", help="write a mapping's YAML to a file")
        export.add_argument("name")
        export.add_argument("file", type=Path, nargs="?")

    def handle(self, *args, **options) -> None:
        from koers.imports.models import ImportMapping

        step = options["step"]
        if step == "list":
            saved = ImportMapping.objects.order_by("name")
            for m in saved:
                self.stdout.write(f"{m.name:<30} {m.kind:<16} {m.updated_at:%Y-%m-%d %H:%M}")
            self.stdout.write(f"{saved.count()} saved mappings.")
            return
        if step == "add":
            path: Path = options["file"]
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            text = path.read_text(encoding="utf-8")
            try:
                saved = mapping_save(
                    name=options["name"], mapping=parse_mapping(text), by=None, document=text
                )
            except MappingError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"Saved “{saved.name}” ({saved.kind}).")
            return
        found = ImportMapping.objects.filter(name=options["name"]).first()
        if found is None:
            raise CommandError(f"No saved mapping “{options['name']}”.")
        if step == "export" and options["file"]:
            options["file"].write_text(found.document, encoding="utf-8")
            self.stdout.write(f"Wrote “{found.name}” to {options['file']}.")
        else:
            self.stdout.write(found.document.rstrip("\n"))

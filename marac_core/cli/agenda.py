"""``marac import`` (the coordinator's agenda -> a meeting file) and ``marac import-minutes``
(the minutes' action tables -> each case's outcome.actions, added to the meeting file with its
comments and layout kept: see intake.meeting_writer)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from marac_core.cli.options import fail_cleanly, iso_date


def password_from(variable: str | None) -> Any:
    """The password, asked for only when a file turns out to need one: from the environment
    variable, else typed with hidden input when there is a terminal. Never stored or logged."""
    from marac_core.model.errors import InputError

    def ask() -> str | None:
        if variable:
            value = os.environ.get(variable)
            if value is None:
                raise InputError(f"--password-env {variable}", "the environment variable is not set")
            return value
        if sys.stdin.isatty():
            return str(click.prompt("Password", hide_input=True, err=True))
        return None

    return ask


def _dumped(meeting: dict[str, Any]) -> str:
    import yaml

    def dates(value: Any) -> Any:  # written unquoted, as a hand-written meeting file has them
        if isinstance(value, dict):
            return {k: dates(v) if k not in ("dob", "date", "due") else _as_date(v) for k, v in value.items()}
        if isinstance(value, list):
            return [dates(v) for v in value]
        return value

    return yaml.safe_dump(dates(meeting), sort_keys=False, allow_unicode=True, width=100)


def _as_date(value: Any) -> Any:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def read_strictly(path: Path) -> Any:
    """The meeting file as `marac check` reads it (for the procedure it names)."""
    from marac_core.planning.meeting_input import read_as_checked

    return read_as_checked(path)


def write_checked(path: Path, text: str) -> None:
    """Write a meeting file only once it reads back as one: to a temporary file beside it, loaded
    with the meeting reader, then moved into place (nothing is left behind on a refusal)."""
    from marac_core.model.errors import InputError

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(str(path), "the folder does not exist")
    temporary = folder / f".{path.name}.importing"
    try:
        temporary.write_text(text, encoding="utf-8")
        try:
            read_strictly(temporary)
        except InputError as exc:
            raise InputError(str(path), exc.message, exc.field) from None
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def default_mapping_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.mapping.yaml")


@click.command("import")
@click.argument("agenda", type=click.Path(path_type=Path))
@click.option("--area", help="The MARAC area (default: read from the agenda's title, e.g. 'Doncaster MARAC').")
@click.option("--date", "date", callback=iso_date, metavar="YYYY-MM-DD",
              help="The meeting's date (default: read from the agenda's title).")
@click.option("--procedure", help="The procedure to follow (written as meeting.procedure).")
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="Headings -> fields (YAML), as an earlier import wrote it.")
@click.option("--password-env", metavar="VAR", help="The environment variable holding the file's password.")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="MEETING.yaml",
              help="Write the meeting file here (default: print it). The mapping recognised goes beside it.")
@click.option("--save-mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the mapping recognised here (default: MEETING.mapping.yaml beside -o).")
@click.option("--json", "as_json", is_flag=True, help="Print the meeting file as JSON.")
@fail_cleanly
def import_agenda_command(agenda: Path, area: str | None, date: dt.date | None, procedure: str | None,
                          mapping: Path | None, password_env: str | None, output: Path | None,
                          save_mapping: Path | None, as_json: bool) -> None:
    """Turn the coordinator's agenda (XLSX, CSV, DOCX; password-protected or in an AES zip or
    7-Zip archive) into a meeting file. Prints a preview and what it was unsure of on stderr."""
    import json

    from marac_core.cli.agenda_preview import show_import
    from marac_core.intake.agenda import import_agenda
    from marac_core.intake.agenda.mapping import dump_mapping, load_mapping

    headings = load_mapping(mapping) if mapping else None
    imported = import_agenda(agenda, area=area, date=date, procedure=procedure, mapping=headings,
                             password=password_from(password_env))
    as_json_text = json.dumps(imported.meeting, indent=2, ensure_ascii=False) + "\n"
    mapping_out = save_mapping or (default_mapping_path(output) if output else None)
    if output is not None:
        write_checked(output, as_json_text if output.suffix.lower() == ".json" else _dumped(imported.meeting))
    show_import(imported, agenda, output, mapping_out)
    if mapping_out is not None:
        mapping_out.write_text(dump_mapping(imported.mapping), encoding="utf-8")
    if as_json:
        click.echo(as_json_text, nl=False)
    elif output is None:
        click.echo(_dumped(imported.meeting), nl=False)


_ROLE_WORDS = {"victim": "victim", "v": "victim", "perpetrator": "perpetrator", "perp": "perpetrator",
               "alleged perpetrator": "perpetrator", "ap": "perpetrator", "child": "child", "cyp": "child"}


def person_of_case(written: str, case: Any) -> tuple[str | None, str | None]:
    """The case's person the minutes mean, as the meeting file names them, compared as the matcher
    compares names (SURNAME, Given; nicknames; aliases). (name, None), or (None, the nearest name)."""
    from rapidfuzz import fuzz, process

    from marac_core.matching.name_levels import compare_family, compare_given, fold, readings

    people = case.people()
    role = _ROLE_WORDS.get(" ".join(fold(written).split()))
    if role is not None:
        in_role = [p for r, _, p in people if r == role]
        if len(in_role) == 1:
            return in_role[0].name, None
    words = written.split()
    found = []
    for _, _, person in people:
        theirs = readings(person.name, person.aliases)
        if len(words) == 1:  # a given name alone ("Lily"): one person of the case with it
            if any(fold(words[0]) in r.given[:1] for r in theirs):
                found.append(person)
            continue
        if any(compare_family(o.family, t.family) == "exact" and compare_given(o.given, t.given) in ("exact", "nickname")
               for o in readings(written) for t in theirs):
            found.append(person)
    if len(found) == 1:
        return found[0].name, None
    nearest = process.extractOne(written, [p.name for _, _, p in people], scorer=fuzz.WRatio)
    return None, nearest[0] if nearest else None


def _plan_minutes(minutes: Path, meeting_path: Path, password: Any) -> tuple[Any, list[tuple[str, dict[str, Any]]], list[Any]]:
    from marac_core.intake.agenda.minutes import read_minutes
    from marac_core.model.errors import InputError

    meeting = read_strictly(meeting_path)
    refs = [c.ref for c in meeting.cases]
    actions, notes = read_minutes(minutes, refs, meeting.meeting.date, password)
    adding: list[tuple[str, dict[str, Any]]] = []
    for action in actions:
        case = meeting.case(action.ref)
        entry: dict[str, Any] = {"agency": action.agency, "text": action.text}
        if action.due:
            entry["due"] = action.due.isoformat()
        if action.person:
            name, nearest = person_of_case(action.person, case)
            if name is None:
                hint = f" (nearest: {nearest})" if nearest else ""
                raise InputError(str(minutes), f"{action.person!r} is no person of case {case.ref}{hint}",
                                 action.person_where)
            entry["person"] = name
        existing = [a.model_dump(mode="json", exclude_none=True) for a in (case.outcome.actions if case.outcome else [])]
        if entry in existing or (action.ref, entry) in adding:
            continue  # already in the meeting file: importing the minutes twice adds nothing
        adding.append((action.ref, entry))
    return meeting, adding, notes


def _with_actions(meeting_path: Path, adding: list[tuple[str, dict[str, Any]]]) -> str:
    """The meeting file's text with the actions added to their cases' outcomes, and nothing else
    changed: the rep's comments and layout stay as written (intake.meeting_writer)."""
    import copy

    from marac_core.intake.meeting_file import read_text_and_data
    from marac_core.intake.meeting_writer import written_back

    text, data = read_text_and_data(meeting_path)
    meant = copy.deepcopy(data)
    for ref, entry in adding:
        case = next(c for c in meant["cases"] if str(c.get("ref")) == ref)
        outcome = case.get("outcome") or {}
        case["outcome"] = outcome
        outcome.setdefault("actions", []).append(dict(entry))
    return written_back(text, meeting_path.suffix, data, meant, str(meeting_path))


@click.command("import-minutes")
@click.argument("minutes", type=click.Path(path_type=Path))
@click.option("--meeting", "meeting_path", type=click.Path(path_type=Path), required=True, metavar="MEETING.yaml",
              help="The meeting file whose cases' outcome.actions the minutes' actions go into.")
@click.option("--password-env", metavar="VAR", help="The environment variable holding the file's password.")
@click.option("--write", is_flag=True, help="Write the actions into the meeting file (default: only show them).")
@fail_cleanly
def import_minutes_command(minutes: Path, meeting_path: Path, password_env: str | None, write: bool) -> None:
    """Read the minutes' per-case action tables (DOCX, XLSX, or PDF with real tables) into each
    case's outcome.actions. Shows what it would add; writes only with --write."""
    from rich.console import Console
    from rich.table import Table

    _, adding, notes = _plan_minutes(minutes, meeting_path, password_from(password_env))
    console = Console(stderr=True, width=80, highlight=False)
    table = Table(title=f"{minutes.name}: {len(adding)} actions to add to {meeting_path.name}",
                  title_justify="left", width=80)
    for column in ("case", "agency", "action", "due", "person"):
        table.add_column(column, overflow="fold")
    for ref, entry in adding:
        table.add_row(ref, entry["agency"], entry["text"], entry.get("due", "-"), entry.get("person", "-"))
    console.print(table)
    for note in notes:
        console.print(f"  - {note}")
    if not write:
        console.print("Nothing written: run again with --write to add these actions.")
        return
    if not adding:
        console.print("Nothing to add.")
        return
    write_checked(meeting_path, _with_actions(meeting_path, adding))
    console.print(f"Wrote {len(adding)} actions into {meeting_path}")

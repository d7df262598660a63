"""Building the meeting file (spec section 2) from an agenda's tables.

Every person the agenda names reaches the meeting file or the user is told why not: a cell that
cannot be what its column says stops the import (exit 2, naming the cell), and whatever was taken
on trust (a child with no date of birth, a row skipped) is a note in the preview.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marac_core.intake.agenda.cells import (
    CellError,
    date_in,
    day_first_evidence,
    month_first_readings,
    postcode_in,
    read_nhs_number,
    read_postcode,
    text_of,
)
from marac_core.intake.agenda.files import Password, open_document
from marac_core.intake.agenda.layout import Column, Layout, Mapping, find_layout
from marac_core.intake.agenda.people import PersonRead, read_dates, read_people, split_aliases
from marac_core.intake.agenda.table import Note
from marac_core.model.errors import InputError

ROLE_WORDS = {
    "victim": ("victim", "v", "survivor", "victim survivor", "client", "adult victim", "aggrieved", "dv victim"),
    "perpetrator": ("perpetrator", "perp", "p", "alleged perpetrator", "alleged perp", "ap", "abuser",
                    "alleged abuser", "offender", "suspect", "person causing harm"),
    "children": ("child", "children", "cyp", "c", "young person", "yp", "son", "daughter", "stepson",
                 "step son", "stepdaughter", "step daughter", "baby", "infant", "unborn", "unborn child",
                 "grandchild", "child of victim", "child of perpetrator", "child in household"),
}
# Roles a case list also names that are no person of spec section 2: skipped, and said so.
OTHER_ROLES = ("other", "other adult", "other adult in household", "grandparent", "grandmother",
               "grandfather", "family member", "witness", "partner of victim", "new partner",
               "sibling", "relative", "friend", "neighbour", "carer")
_MOTHER = re.compile(r"\b(mum|mother|mam|victim|mother's|maternal home)\b", re.I)
_FATHER = re.compile(r"\b(dad|father|perpetrator|perp|father's|paternal home)\b", re.I)
_BOTH = re.compile(r"\b(both|parents)\b", re.I)


@dataclass
class Imported:
    """What an import read: the meeting file, what it was unsure of, and the headings it recognised."""

    meeting: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    mapping: dict[str, str | list[str]] = field(default_factory=dict)
    read_from: list[str] = field(default_factory=list)  # "sheet 'Agenda' (headings on row 3)"


@dataclass
class _Person:
    role: str
    data: dict[str, Any]
    where: str
    living_with: str | None = None


def import_agenda(path: Path, *, area: str | None = None, date: dt.date | None = None,
                  procedure: str | None = None, mapping: Mapping | None = None,
                  password: Password = lambda: None) -> Imported:
    opened = open_document(path, password)
    if opened.kind == "xlsx":
        from marac_core.intake.agenda.sheets import read_workbook
        tables = read_workbook(opened.data, opened.source)
    elif opened.kind == "docx":
        from marac_core.intake.agenda.word import read_document
        tables = read_document(opened.data, opened.source)
    elif opened.kind == "csv":
        from marac_core.intake.agenda.text_table import read_csv
        tables = read_csv(opened.data, opened.source)
    else:
        raise InputError(opened.source, "not an agenda: a PDF agenda is not read (ask for the XLSX or DOCX)")
    notes: list[Note] = []
    layouts = [layout for table in tables if (layout := find_layout(table, mapping, notes)) is not None]
    if not layouts:
        first = tables[0].where(1) if tables else "row 1"
        raise InputError(opened.source, "not an agenda: no row of headings such as 'Victim name', 'DOB', "
                         f"'Perpetrator', 'Children' in the first 30 rows of any table", first)
    titles = [line for layout in layouts for line in layout.title_lines()]
    meeting_date = date or _date_in_titles(titles, opened.source, layouts[0])
    meeting_area = area or _area_in_titles(titles, opened.source, layouts[0])
    reader = _Reader(meeting_date, notes)
    cases: list[dict[str, Any]] = []
    for layout in layouts:
        cases += reader.per_person(layout) if layout.per_person else reader.per_case(layout)
    meeting: dict[str, Any] = {"area": meeting_area, "date": meeting_date.isoformat()}
    if procedure:
        meeting["procedure"] = procedure
    result = Imported({"meeting": meeting, "cases": cases}, notes)
    for layout in layouts:
        result.read_from.append(f"{layout.table.kind} {layout.table.name!r}, headings on row {layout.heading_row}")
        for column in layout.columns:
            key = column.heading
            value = str(column.field)
            if key in result.mapping:
                before = result.mapping[key]
                result.mapping[key] = ([*before] if isinstance(before, list) else [before]) + [value]
            else:
                result.mapping[key] = value
    _validate(result.meeting, opened.source)
    _place_notes(cases, notes)
    return result


def _place_notes(cases: list[dict[str, Any]], notes: list[Note]) -> None:
    """Each note about one person's value gets the place in the meeting file it went to."""
    places: dict[int, list[str | int]] = {}
    for number, case in enumerate(cases):
        for role in ("victim", "perpetrator", "children"):
            held = case.get(role)
            if isinstance(held, dict):
                places[id(held)] = ["cases", number, role]
            elif isinstance(held, list):
                for index, person in enumerate(held):
                    places[id(person)] = ["cases", number, role, index]
    for note in notes:
        if note.person is not None and note.kind and id(note.person) in places:
            note.path = [*places[id(note.person)], note.kind]
        note.person = None


def _date_in_titles(titles: list[str], source: str, layout: Layout) -> dt.date:
    far = dt.date.today() + dt.timedelta(days=5 * 366)
    for line in titles:
        try:
            found = date_in(line, far)
        except CellError:
            continue
        if found:
            return found[0]
    raise InputError(source, "no meeting date above the headings: give it with --date YYYY-MM-DD",
                     layout.table.where(layout.heading_row))


def _area_in_titles(titles: list[str], source: str, layout: Layout) -> str:
    for line in titles:
        m = re.search(r"([A-Z][\w'&-]*(?:\s+(?:and\s+|&\s+)?[A-Z][\w'&-]*)*)\s+MARAC\b", line)
        if m and m[1].upper() not in {"OFFICIAL", "SENSITIVE", "OFFICIAL SENSITIVE", "OFFICIAL-SENSITIVE"}:
            return m[1].strip()
    raise InputError(source, "no area above the headings (such as 'Doncaster MARAC'): give it with --area AREA",
                     layout.table.where(layout.heading_row))


class _Reader:
    def __init__(self, meeting_date: dt.date, notes: list[Note]) -> None:
        self.date = meeting_date
        self.notes = notes
        self.refs: dict[str, str] = {}
        self._day_first: dict[int, bool] = {}

    # -- one cell --------------------------------------------------------------------------

    def _cell(self, layout: Layout, row: int, column: Column | None) -> Any:
        return None if column is None else layout.table.cell(row, column.number)

    def _read(self, layout: Layout, row: int, column: Column | None, reader: Any) -> Any:
        try:
            return reader(self._cell(layout, row, column))
        except CellError as exc:
            assert column is not None
            raise layout.table.error(str(exc), row, column.number) from None

    def _dob_checked(self, layout: Layout, row: int, column: Column | None, dob: dt.date | None) -> dt.date | None:
        if dob is None:
            return None
        number = column.number if column else None
        if dob > self.date:
            raise layout.table.error(f"date of birth {dob.isoformat()} is after the meeting "
                                     f"({self.date.isoformat()})", row, number)
        if dob.year < 1900:
            raise layout.table.error(f"date of birth {dob.isoformat()} is before 1900", row, number)
        return dob

    # -- people ----------------------------------------------------------------------------

    def _names(self, layout: Layout, row: int, role: str, index: int | None) -> tuple[list[PersonRead], Column | None]:
        """Who a row names in a role: from a name column, or forename and surname columns."""
        names = layout.of(role, "name", index)
        surname = next(iter(layout.of(role, "surname", index)), None)
        forename = next(iter(layout.of(role, "forename", index)), None)
        column = names[0] if names else (surname or forename)
        if names:
            read = self._read(layout, row, names[0], lambda v: read_people(v, self.date))
        elif surname or forename:
            given = text_of(self._cell(layout, row, forename))
            family = text_of(self._cell(layout, row, surname))
            written = f"{given} {family.upper() if family else ''}".strip()
            read = self._read(layout, row, column, lambda v: read_people(written, self.date) if written else [])
        else:
            return [], None
        written_in = text_of(self._cell(layout, row, column))
        if not read and written_in and role != "victim":
            self.notes.append(Note(layout.table.where(row, column.number if column else None),
                                   f"{written_in!r} read as nobody", written=written_in))
        return read, column

    def _details(self, layout: Layout, row: int, role: str, index: int | None, people: list[PersonRead],
                 name_column: Column | None, playing: str | None = None) -> list[_Person]:
        """The people of a row in one role, with their other columns. ``playing``: the role a
        one-row-per-person row gives (its columns are ``person.*``)."""
        dob_column = next(iter(layout.of(role, "dob", index)), None)
        dobs = self._read(layout, row, dob_column, lambda v: read_dates(v, self.date)) if dob_column else []
        if dob_column and any(d is not None for d in dobs) and not people:
            raise layout.table.error("a date of birth with no name beside it", row, dob_column.number)
        if dob_column and any(d is not None for d in dobs) and len(dobs) != len(people):
            raise layout.table.error(f"{len(dobs)} dates of birth for {len(people)} names in "
                                     f"{name_column.heading if name_column else 'the name column'!r}",
                                     row, dob_column.number)
        if not people:
            for attribute in ("nhs_number", "aliases", "living_with"):
                for column in layout.of(role, attribute, index):
                    if text_of(self._cell(layout, row, column)):
                        raise layout.table.error(f"{column.heading!r} is filled in but no name is given",
                                                 row, column.number)
            return []
        where_name = layout.table.where(row, name_column.number if name_column else None)
        out = []
        for position, read in enumerate(people):
            column_dob = dobs[position] if position < len(dobs) else None
            if read.dob and column_dob and read.dob != column_dob:
                raise layout.table.error(f"{read.name}: two dates of birth, {read.dob} in the name and "
                                         f"{column_dob} in {dob_column.heading!r}",  # type: ignore[union-attr]
                                         row, dob_column.number if dob_column else None)
            dob = self._dob_checked(layout, row, dob_column if column_dob else name_column, read.dob or column_dob)
            data: dict[str, Any] = {"name": read.name}
            if dob:
                data["dob"] = dob.isoformat()
                self._two_ways(layout, row, dob_column if column_dob else name_column, position, len(people),
                               dob, data)
            out.append(_Person(role, data, where_name))
            aliases = list(read.aliases)
            if len(people) == 1:
                self._one_person_columns(layout, row, role, index, data, aliases)
            if aliases:
                data["aliases"] = list(dict.fromkeys(aliases))
            if not dob:
                not_known = read.dob_not_known or (text_of(self._cell(layout, row, dob_column)) or None
                                                   if len(people) == 1 else None)
                said = f" ({not_known})" if not_known else ""
                age = f" (age {read.age} given)" if read.age is not None else ""
                label = {"children": "child"}.get(playing or role, playing or role)
                self.notes.append(Note(where_name, f"{label} {read.name} has no date of birth{said}{age}",
                                       written=text_of(self._cell(layout, row, name_column)) or None,
                                       kind="dob", person=data))
            if " " not in read.name.strip():
                self.notes.append(Note(where_name, f"{read.name!r}: only one name given",
                                       written=text_of(self._cell(layout, row, name_column)) or None,
                                       kind="name", read=read.name, person=data))
        living = next(iter(layout.of(role, "living_with", index)), None)
        if living is not None:
            text = text_of(self._cell(layout, row, living))
            for person in out:
                person.living_with = text or None
        return out

    def _two_ways(self, layout: Layout, row: int, column: Column | None, position: int, people: int,
                  dob: dt.date, data: dict[str, Any]) -> None:
        """A date of birth typed as 03/04/1990 in a table where no date shows the day comes first
        (none like 23/04/1990) could be 4 March as well: noted with both readings, never guessed silently."""
        value = self._cell(layout, row, column)
        if column is None or not isinstance(value, str):
            return  # an Excel date cell is a date, not text to read
        table = layout.table
        if id(table) not in self._day_first:
            self._day_first[id(table)] = day_first_evidence(table.rows)
        if self._day_first[id(table)]:
            return
        readings = month_first_readings(value, self.date)
        if len(readings) != people or readings[position] is None:
            return
        other = readings[position]
        assert other is not None
        if other > self.date or other.year < 1900 or other == dob:
            return
        self.notes.append(Note(table.where(row, column.number),
                               f"{data['name']}: date of birth {text_of(value)!r} read as {dob.day} {dob:%B %Y}, "
                               f"but it could be {other.day} {other:%B %Y} (no date in the table shows which comes first)",
                               written=text_of(value), kind="dob", read=dob.isoformat(),
                               readings=[dob.isoformat(), other.isoformat()], person=data))

    def _one_person_columns(self, layout: Layout, row: int, role: str, index: int | None,
                            data: dict[str, Any], aliases: list[str]) -> None:
        nhs = next(iter(layout.of(role, "nhs_number", index)), None)
        if nhs and (number := self._read(layout, row, nhs, read_nhs_number)):
            data["nhs_number"] = number
        postcode = None
        for column in layout.of(role, "postcode", index):
            postcode = self._read(layout, row, column, read_postcode) or postcode
        for column in layout.of(role, "address", index):
            address = text_of(self._cell(layout, row, column))
            found = postcode_in(address)
            if address and not found and not postcode:
                self.notes.append(Note(layout.table.where(row, column.number),
                                       f"{data['name']}: no postcode in the address", written=address,
                                       kind="postcode", person=data))
            postcode = postcode or found
        if postcode:
            data["postcode"] = postcode
        for column in layout.of(role, "aliases", index):
            text = text_of(self._cell(layout, row, column))
            for piece in re.split(r"\s*(?:;|/|,(?![^,]*$)|\band\b)\s*", text) if ";" in text or "/" in text else [text]:
                if piece.strip():
                    aliases.append(split_aliases(piece)[0])

    # -- layouts ---------------------------------------------------------------------------

    def _blank_or_title(self, layout: Layout, row: int, values: list[Any]) -> bool:
        filled = {text_of(v) for v in values if text_of(v)}
        if not filled:
            return True
        ref = layout.case_column("ref")
        ref_text = text_of(values[ref.number - 1]) if ref and ref.number <= len(values) else ""
        if len(filled) == 1 and ref_text and re.fullmatch(r"[A-Za-z]{0,6}[-/ ]?\d[\w/-]*", ref_text):
            return False  # a case ref alone: a case whose people are missing, refused by the caller
        if len(filled) == 1:
            self.notes.append(Note(layout.table.where(row), f"row skipped: a title or section line "
                                   f"({next(iter(filled))[:40]!r})"))
            return True
        headings = {normalise_text(c.heading) for c in layout.columns}
        if {normalise_text(t) for t in filled} <= headings:
            self.notes.append(Note(layout.table.where(row), "row skipped: the headings repeated"))
            return True
        return False

    def _ref(self, layout: Layout, row: int) -> str | None:
        column = layout.case_column("ref")
        if column is None:
            return None
        return text_of(self._cell(layout, row, column)) or None

    def per_case(self, layout: Layout) -> list[dict[str, Any]]:
        cases = []
        ref_column = layout.case_column("ref")
        if ref_column is None:
            self.notes.append(Note(layout.table.where(layout.heading_row),
                                   "no case reference column: each case is named by its row (ROW-n)"))
        numbered = sorted({c.field.index for c in layout.columns if c.field.index is not None})
        for row in range(layout.heading_row + 1, len(layout.table.rows) + 1):
            values = layout.table.rows[row - 1]
            if self._blank_or_title(layout, row, values):
                continue
            victims, victim_column = self._names(layout, row, "victim", None)
            if not victims:
                column = victim_column or next(iter(layout.of("victim", "name")), None)
                raise layout.table.error("a row with no victim's name", row, column.number if column else None)
            if len(victims) > 1:
                raise layout.table.error(f"{len(victims)} people in one victim cell (one victim per row)",
                                         row, victim_column.number if victim_column else None)
            people = self._details(layout, row, "victim", None, victims, victim_column)
            perpetrators, column = self._names(layout, row, "perpetrator", None)
            people += self._details(layout, row, "perpetrator", None, perpetrators, column)
            for index in [None, *numbered]:
                children, column = self._names(layout, row, "children", index)
                people += self._details(layout, row, "children", index, children, column)
            ref = self._ref(layout, row) or f"ROW-{row}"
            cases.append(self._case(layout, row, ref, people))
        return cases

    def per_person(self, layout: Layout) -> list[dict[str, Any]]:
        role_column = layout.case_column("role")
        assert role_column is not None
        ref_column = layout.case_column("ref")
        if ref_column is None:
            raise layout.table.error("one row per person needs a case reference column to group them",
                                     layout.heading_row)
        grouped: dict[str, list[_Person]] = {}
        first_row: dict[str, int] = {}
        agency: dict[str, Any] = {}
        current: str | None = None
        for row in range(layout.heading_row + 1, len(layout.table.rows) + 1):
            values = layout.table.rows[row - 1]
            if self._blank_or_title(layout, row, values):
                continue
            ref = self._ref(layout, row) or current  # a ref merged over, or left blank on, its people
            if ref is None:
                raise layout.table.error("no case reference on the first person's row", row, ref_column.number)
            current = ref
            role_text = text_of(self._cell(layout, row, role_column))
            role = _role_of(role_text)
            if role is None:
                if _is_other(role_text):
                    self.notes.append(Note(layout.table.where(row, role_column.number),
                                           f"row skipped: role {role_text!r} is no victim, perpetrator or child",
                                           written=role_text))
                    continue
                raise layout.table.error(f"role {role_text!r} not understood (victim, perpetrator or child)",
                                         row, role_column.number)
            people, column = self._names(layout, row, "person", None)
            if not people:
                column = column or next(iter(layout.of("person", "name")), None)
                raise layout.table.error(f"a row with no name (role {role_text})", row,
                                         column.number if column else None)
            if role == "victim" and len(people) > 1:
                raise layout.table.error("more than one victim in one cell", row, column.number if column else None)
            read = self._details(layout, row, "person", None, people, column, playing=role)
            for person in read:
                person.role = role
            grouped.setdefault(ref, []).extend(read)
            first_row.setdefault(ref, row)
            agency_column = layout.case_column("referring_agency")
            if agency_column is not None and (text := text_of(self._cell(layout, row, agency_column))):
                agency.setdefault(ref, text)
        return [self._case(layout, first_row[ref], ref, people, agency.get(ref)) for ref, people in grouped.items()]

    def _case(self, layout: Layout, row: int, ref: str, people: list[_Person],
              referring_agency: str | None = None) -> dict[str, Any]:
        victims = [p for p in people if p.role == "victim"]
        if len(victims) != 1:
            raise layout.table.error(f"case {ref}: {len(victims)} victims (each case has one)", row)
        if ref in self.refs:
            raise layout.table.error(f"case {ref} is also at {self.refs[ref]}", row,
                                     c.number if (c := layout.case_column("ref")) else None)
        self.refs[ref] = layout.table.where(row)
        seen: dict[tuple[str, ...], list[_Person]] = {}
        for person in people:
            key = name_key(person.data["name"])
            for earlier in seen.get(key, []):
                # Same name and no date of birth telling them apart (a father and son both named, with
                # their dates of birth, are two people).
                if earlier.data.get("dob") is None or person.data.get("dob") in (None, earlier.data["dob"]):
                    raise InputError(layout.table.source, f"case {ref}: {person.data['name']} is listed twice "
                                     f"(also at {earlier.where})", person.where)
            seen.setdefault(key, []).append(person)
        case: dict[str, Any] = {"ref": ref}
        agency_column = layout.case_column("referring_agency")
        agency = referring_agency or (text_of(self._cell(layout, row, agency_column)) if agency_column else None)
        if agency:
            case["referring_agency"] = agency
        case["victim"] = victims[0].data
        perpetrators = [p.data for p in people if p.role == "perpetrator"]
        if perpetrators:
            case["perpetrator"] = perpetrators[0] if len(perpetrators) == 1 else perpetrators
        children = [p for p in people if p.role == "children"]
        for child in children:
            self._household(child, victims[0], [p for p in people if p.role == "perpetrator"])
        if children:
            case["children"] = [c.data for c in children]
        return case

    def _household(self, child: _Person, victim: _Person, perpetrators: list[_Person]) -> None:
        """A child's postcode from who they live with: an address written there, or the parent's."""
        text = child.living_with
        if not text:
            return
        found = postcode_in(text)
        victim_given = victim.data["name"].split()[0].lower()
        perp_given = {p.data["name"].split()[0].lower() for p in perpetrators}
        words = set(re.findall(r"[a-z']+", text.lower()))
        known = True
        if found is None and _BOTH.search(text):
            same = {victim.data.get("postcode")} | {p.data.get("postcode") for p in perpetrators}
            found = next(iter(same)) if len(same) == 1 else None
        elif found is None and (_MOTHER.search(text) or victim_given in words):
            found = victim.data.get("postcode")
        elif found is None and perpetrators and (_FATHER.search(text) or perp_given & words):
            found = perpetrators[0].data.get("postcode") if len(perpetrators) == 1 else None
        elif found is None:
            known = False
        if found:
            child.data["postcode"] = found
        elif not known:
            self.notes.append(Note(child.where, f"{child.data['name']} lives with {text!r}: no address taken",
                                   written=text, kind="postcode", person=child.data))


def normalise_text(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _role_of(text: str) -> str | None:
    words = normalise_text(text)
    for role, names in ROLE_WORDS.items():
        if words in names:
            return role
    return None


def _is_other(text: str) -> bool:
    words = normalise_text(text)
    return words in OTHER_ROLES or words.startswith("other ")


def name_key(name: str) -> tuple[str, ...]:
    """The words of a name, folded and sorted: "JONES, Sarah" and "Sarah Jones" are one person."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return tuple(sorted(w for w in re.split(r"[\s,\-]+", re.sub(r"['’`.]", "", plain).casefold()) if w))


def _validate(meeting: dict[str, Any], source: str) -> None:
    from pydantic import ValidationError

    from marac_core.intake.meeting_file import first_error
    from marac_core.model.meeting import MeetingFile

    try:
        MeetingFile.model_validate(meeting)
    except ValidationError as exc:
        raise first_error(Path(source), exc) from None


"""Bad input: a one-line reason naming the file and field, exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.intake.meeting_file import load_records
from marac_core.model.meeting import MeetingFile

RECORDS = bundled() / "records.yaml"

GOOD_MEETING = """\
meeting: {area: Doncaster, date: 2026-12-03, procedure: rdash}
cases:
  - ref: DN-1
    victim: {name: Sarah JONES, dob: 1991-03-14}
"""


def run(tmp_path: Path, meeting_text: str, *extra: str, records: Path = RECORDS) -> tuple[int, str, Path]:
    meeting = tmp_path / "meeting.yaml"
    meeting.write_text(meeting_text, encoding="utf-8")
    state = tmp_path / "state"
    result = CliRunner().invoke(main, ["plan", str(meeting), "--sandbox", str(records), "--state", str(state),
                                       *extra])
    return result.exit_code, result.stderr, state


@pytest.mark.parametrize(("meeting_text", "field", "words"), [
    (GOOD_MEETING.replace("date: 2026-12-03", "area2: x"), "meeting.date", "required"),
    (GOOD_MEETING.replace("2026-12-03", "2026-02-30"), "meeting.date", "2026-02-30"),
    (GOOD_MEETING + "  - ref: DN-1\n    victim: {name: Anne B}\n", "cases[1].ref", "duplicate"),
    (GOOD_MEETING + "  - ref: DN-2\n    children: [{name: Tom B}]\n", "cases[1].victim", "required"),
    (GOOD_MEETING.replace("dob: 1991-03-14", "dob: 1991-13-14"), "cases[0].victim.dob", "1991-13-14"),
    (GOOD_MEETING.replace("dob: 1991-03-14", "postcode: DN1"), "cases[0].victim.postcode",
     "not a UK postcode (got 'DN1')"),
    (GOOD_MEETING.replace("dob: 1991-03-14", "postcode: 12345"), "cases[0].victim.postcode", "must be text"),
])
def test_a_bad_meeting_file_exits_2_naming_the_file_and_field_and_writes_nothing(
        tmp_path: Path, meeting_text: str, field: str, words: str) -> None:
    code, stderr, state = run(tmp_path, meeting_text)
    assert code == 2
    assert len(stderr.strip().splitlines()) == 1
    assert "meeting.yaml" in stderr and field in stderr and words in stderr
    assert not state.exists()


def test_unparseable_yaml_exits_2_with_the_line(tmp_path: Path) -> None:
    code, stderr, state = run(tmp_path, "meeting: {area: [Doncaster\ncases: -\n")
    assert code == 2 and "meeting.yaml" in stderr and "not valid YAML" in stderr
    assert len(stderr.strip().splitlines()) == 1 and not state.exists()


def test_unknown_procedure_exits_2_and_lists_the_known_ones(tmp_path: Path) -> None:
    code, stderr, state = run(tmp_path, GOOD_MEETING.replace("procedure: rdash", "procedure: leeds"))
    assert code == 2 and "meeting.procedure" in stderr and "'leeds'" in stderr
    assert "herts-childrens" in stderr and "rdash" in stderr and not state.exists()
    code, stderr, _ = run(tmp_path, GOOD_MEETING, "--procedure", "nope")
    assert code == 2 and "--procedure" in stderr and "rdash" in stderr


def test_a_bad_records_file_exits_2_naming_the_system_entry_and_field(tmp_path: Path) -> None:
    records = tmp_path / "records.yaml"
    records.write_text("systmone:\n  - {name: No Id, dob: 1990-01-01}\n", encoding="utf-8")
    code, stderr, state = run(tmp_path, GOOD_MEETING, records=records)
    assert code == 2 and "records.yaml" in stderr and "systmone[0].id" in stderr
    assert not state.exists()
    records.write_text("lcs:\n  - {id: L1, name: Amy Lee, postcode: not known}\n", encoding="utf-8")
    code, stderr, state = run(tmp_path, GOOD_MEETING, records=records)
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert "records.yaml" in stderr and "lcs[0].postcode: not a UK postcode (got 'not known')" in stderr
    assert not state.exists()


def test_a_postcode_in_any_case_and_spacing_is_read_and_files_without_it_work_as_before(tmp_path: Path) -> None:
    meeting = yaml.safe_load(GOOD_MEETING.replace("dob: 1991-03-14", "dob: 1991-03-14, postcode: ' dn1  3bu'"))
    parsed = MeetingFile.model_validate(meeting)
    assert parsed.cases[0].victim.postcode == "DN1 3BU"
    assert MeetingFile.model_validate(yaml.safe_load(GOOD_MEETING)).cases[0].victim.postcode is None
    records = tmp_path / "records.yaml"
    records.write_text("systmone:\n  - {id: S1, name: Amy Lee, postcode: sw1a1aa}\n  - {id: S2, name: Bo Lee}\n",
                       encoding="utf-8")
    assert load_records(records)["systmone"] == [{"id": "S1", "name": "Amy Lee", "postcode": "SW1A 1AA",
                                                  "open": False}, {"id": "S2", "name": "Bo Lee", "open": False}]


def test_a_missing_meeting_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2 and "absent.yaml" in result.stderr and "not found" in result.stderr


def test_json_meeting_files_are_read_like_yaml(tmp_path: Path) -> None:
    meeting = tmp_path / "meeting.json"
    meeting.write_text('{"meeting": {"area": "Doncaster", "date": "2026-12-03"}, "cases": [{"ref": "A", '
                       '"victim": {"name": "Sarah JONES"}}]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["plan", str(meeting), "--procedure", "rdash", "--sandbox", str(RECORDS),
                                       "--state", str(tmp_path / "s"), "--json", "--on", "2026-12-01"])
    assert result.exit_code == 0, result.stderr


def test_a_ledger_url_of_the_wrong_kind_exits_2_before_anything_is_written(tmp_path: Path) -> None:
    code, stderr, state = run(tmp_path, GOOD_MEETING, "--ledger", "mysql://x/y")
    assert code == 2 and "--ledger" in stderr and not state.exists()


def test_an_unreachable_shared_ledger_is_one_clear_line_without_its_url(tmp_path: Path) -> None:
    meeting = tmp_path / "meeting.yaml"
    meeting.write_text(GOOD_MEETING, encoding="utf-8")
    result = CliRunner().invoke(main, ["status", str(meeting), "--ledger", "postgresql://rep:s3cret@127.0.0.1:1/x"])
    assert result.exit_code == 2 and "cannot open the shared ledger" in result.stderr
    assert "s3cret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1

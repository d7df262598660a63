"""RDaSH SOP 4.7 (deputising), 4.9 (supervision), 4.10 (training): warnings before the meeting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from marac_core.cli.demo import bundled
from marac_core.cli.main import main
from marac_core.intake.config import Representative
from marac_core.model.meeting import MeetingFile
from marac_core.plugins.procedure import PlanContext
from marac_core.plugins.registry import load
from marac_core.testing import meeting

CASE = {"ref": "DN-1", "victim": {"name": "Sarah JONES"}}
CURRENT = Representative(last_supervision=dt.date(2026, 10, 1), training_level3=dt.date(2025, 5, 20))


def warnings(rep: Representative | None, phase: str = "before", **meeting_fields: object) -> list[str]:
    parsed = MeetingFile.model_validate(meeting([CASE], **meeting_fields))
    context = PlanContext(meeting=parsed, procedure="rdash", phase=phase, on=dt.date(2026, 12, 1),  # type: ignore[arg-type]
                          installed=frozenset(), representative=rep)
    return load().procedures["rdash"].warnings(context)


def test_4_7_no_deputy_named_is_a_warning_before_the_meeting() -> None:
    assert warnings(CURRENT, deputy={"name": "B Dep"}) == []
    found = warnings(CURRENT)
    assert len(found) == 1 and found[0].startswith("RDaSH SOP 4.7") and "head of safeguarding" in found[0]


def test_4_9_supervision_older_than_90_days_is_a_warning() -> None:
    late = Representative(last_supervision=dt.date(2026, 9, 3), training_level3=dt.date(2025, 5, 20))
    assert warnings(late, deputy={"name": "B Dep"})[0].startswith("RDaSH SOP 4.9")
    on_time = Representative(last_supervision=dt.date(2026, 9, 4), training_level3=dt.date(2025, 5, 20))
    assert warnings(on_time, deputy={"name": "B Dep"}) == []


def test_4_10_level_3_training_out_of_date_or_unrecorded_is_a_warning() -> None:
    expired = Representative(last_supervision=dt.date(2026, 10, 1), training_level3=dt.date(2023, 12, 2),
                             training_valid_months=36)
    assert [w[:15] for w in warnings(expired, deputy={"name": "B Dep"})] == ["RDaSH SOP 4.10:"]
    assert [w[:15] for w in warnings(None, deputy={"name": "B Dep"})] == ["RDaSH SOP 4.9: ", "RDaSH SOP 4.10:"]


def test_no_warnings_after_the_meeting() -> None:
    assert warnings(None, phase="after") == []


def test_the_configured_dates_reach_the_plan(tmp_path: Path) -> None:
    config = tmp_path / "marac.toml"
    config.write_text("[representative]\nlast_supervision = 2026-10-01\ntraining_level3 = 2025-05-20\n")
    demo = bundled()
    result = CliRunner().invoke(main, ["plan", str(demo / "rdash-meeting.yaml"), "--sandbox", str(demo / "records.yaml"),
                                       "--state", str(tmp_path / "s"), "--on", "2026-12-01", "--json",
                                       "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["warnings"] == []

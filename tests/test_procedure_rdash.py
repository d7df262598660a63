"""RDaSH MARAC SOP: one test (or more) per paragraph that asks for a record or email action."""

from __future__ import annotations

import datetime as dt

from procedure_harness import RDASH_TEXT, meeting, only, plan, record

from marac_core.procedures import rdash

CASE = {
    "ref": "DN-0412",
    "victim": {"name": "Sarah JONES", "dob": "1991-03-14"},
    "perpetrator": {"name": "Mark JONES", "dob": "1988-07-01"},
    "children": [{"name": "Lily JONES", "dob": "2019-05-22"}],
}
OPEN = {
    ("Sarah JONES", "systmone"): record("S1-1", "Sarah Jones"),
    ("Mark JONES", "systmone"): record("S1-2", "Mark Jones"),
    ("Lily JONES", "systmone"): record("S1-3", "Lily Jones"),
}


def test_4_2_alert_wording_is_reproduced_exactly_from_the_sop() -> None:
    victim = rdash.VICTIM_ALERT.replace("{area}", "(insert area)").replace("{date}", "(insert date)")
    perpetrator = rdash.PERPETRATOR_ALERT.replace("{area}", "(insert area)").replace("{date}", "(insert date)")
    assert f"for victim: {victim}" in RDASH_TEXT
    assert f"for perpetrator: {perpetrator}" in RDASH_TEXT


def test_4_2_victim_and_perpetrator_open_to_trust_services_get_the_alert_before_the_meeting() -> None:
    obligations = plan("rdash", meeting([CASE]), "before", OPEN)
    alerts = only(obligations, action="alert")
    assert {(a.role, a.record) for a in alerts} == {("victim", "S1-1"), ("perpetrator", "S1-2")}
    victim = only(alerts, role="victim")[0]
    assert victim.text == ("patient to be discussed at Doncaster multi-agency risk assessment conference (MARAC) "
                           "on 3 December 2026 as victim of high-risk domestic abuse.")
    perpetrator = only(alerts, role="perpetrator")[0]
    assert perpetrator.text.endswith("as alleged perpetrator of high risk domestic abuse. Do not disclosure to patient.")
    assert victim.expires == dt.date(2027, 12, 3)
    assert victim.due is not None and victim.due.isoformat() == "2026-12-03T10:00:00+00:00"

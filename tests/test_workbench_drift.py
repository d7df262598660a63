"""Drift in the workbench: an outcome corrected after it was carried out is shown with its correction,
never changed in silence (issue 16, point 3). The meeting file is the truth: a correction made in it
(by the rep's editor, the CLI or the workbench) shows on the page."""

from __future__ import annotations

import re

import httpx

from workbench.harness import demo_copy, start


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]


def _apply(client: httpx.Client, phase: str) -> None:
    page = client.get(f"/meetings/1?phase={phase}").text
    answer = client.post("/meetings/1/apply", data={"csrf": _csrf(page), "phase": phase})
    url = str(answer.url)
    for _ in range(600):  # each poll answers at once: decided from what the page says
        if "apply-running" not in answer.text:
            break
        answer = client.get(url)
    assert "apply-finished" in answer.text, answer.text[:500]


def test_a_summary_corrected_after_the_meeting_is_shown_as_drift_with_its_correction(tmp_path) -> None:
    folder = demo_copy(tmp_path)
    served = start(folder, "rdash-meeting.yaml", "--sandbox", "records.yaml", "--state", "state", on="2026-12-03")
    try:
        with httpx.Client(base_url=served.base, follow_redirects=True, timeout=120) as rep:
            rep.get(served.url)
            _apply(rep, "after")
            assert 'id="drift"' not in rep.get("/meetings/1?phase=after").text
            meeting = folder / "rdash-meeting.yaml"
            meeting.write_text(meeting.read_text().replace("Offer a mental health assessment",
                                                           "Offer a mental health assessment within 7 days"))
            page = rep.get("/meetings/1?phase=after").text
            assert 'id="drift"' in page and "within 7 days" in page
            _apply(rep, "after")  # the correction is carried out once
            assert 'id="drift"' not in rep.get("/meetings/1?phase=after").text
    finally:
        served.stop()

"""Drift in the workbench: an outcome corrected after it was carried out is shown with its correction,
never changed in silence (issue 16, point 3). The meeting file is the truth: a correction made in it
(by the rep's editor, the CLI or the workbench) shows on the page."""

from __future__ import annotations

import httpx
from workbench.harness import apply_and_wait, csrf_of, demo_copy, start


def _apply(client: httpx.Client, phase: str) -> None:
    apply_and_wait(client, csrf_of(client.get(f"/meetings/1?phase={phase}").text), phase)


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

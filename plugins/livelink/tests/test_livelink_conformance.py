"""Livelink (Content Server REST API) against the adapter conformance kit (marac_core.testing)."""

import marac_livelink

from marac_core.testing import AdapterConformance, sample_records


class TestLivelinkConformance(AdapterConformance):
    plugin = marac_livelink
    # A record is a person's folder: its node id.
    records = sample_records(["3001", "3002", "3003"])
    unknown_record = "404404"
    # A document store: a folder says nothing of whether a person is open to a service.
    reports_involvement = False
    # One browse of the root folder filters on one name.
    searches_aliases = False
    # A deleted node is gone with its markers; deleting it again is harmless instead.
    keeps_deleted_documents = False

"""EHM against the adapter conformance kit (marac_core.testing)."""

import marac_ehm

from marac_core.testing import AdapterConformance, sample_records


class TestEhmConformance(AdapterConformance):
    plugin = marac_ehm
    records = sample_records(["EHM-77", "EHM-78", "EHM-79"])
    unknown_record = "EHM-404404"

"""SystmOne (FHIR R4) against the adapter conformance kit (marac_core.testing)."""

import marac_systmone

from marac_core.testing import AdapterConformance, sample_records


class TestSystmOneConformance(AdapterConformance):
    plugin = marac_systmone
    records = sample_records(["S1-9001", "S1-9002", "S1-9003"])
    unknown_record = "S1-404404"

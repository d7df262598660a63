"""LCS against the adapter conformance kit (marac_core.testing)."""

import marac_lcs

from marac_core.testing import AdapterConformance, sample_records


class TestLcsConformance(AdapterConformance):
    plugin = marac_lcs
    records = sample_records(["LCS-1001", "LCS-1002", "LCS-1003"])
    unknown_record = "LCS-404404"

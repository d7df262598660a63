"""The LCS gateway as the sandbox serves it (marac_core.gateway.emulator), and its document's wording.

openapi.yaml in this package is ``LcsEmulator.openapi_yaml()``, written out.
"""

from __future__ import annotations

from marac_core.api import GatewayEmulator, GatewayWording


class LcsEmulator(GatewayEmulator):
    """People with their involvement, case notes, alerts and documents; people LCS-1001 onwards."""

    name = "lcs"
    alerts = True
    person_prefix = "LCS-"
    first_numbers = {"person": 1001, "case_note": 5001, "alert": 301, "document": 9001}
    openapi = GatewayWording(
        short="LCS",
        system="Liquidlogic Children's Social Care (LCS)",
        intro=("Liquidlogic's own interfaces are licensed, so marac speaks this small REST\n"
               "contract instead. A council's integration team puts a gateway implementing\n"
               "it in front of its LCS; the marac sandbox emulates it (marac_lcs.emulator)."),
        id_example="LCS-1001",
        case_summary="the child's case summary",
        involvement="Whether the person is open to children's social care now, and who holds the case.",
        teams="Assessment, Child in Need, IFST",
    )

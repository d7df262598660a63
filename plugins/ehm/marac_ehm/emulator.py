"""The EHM gateway as the sandbox serves it (marac_core.gateway.emulator, without alerts), and its
document's wording. openapi.yaml in this package is ``EhmEmulator.openapi_yaml()``, written out.
"""

from __future__ import annotations

from marac_core.api import GatewayEmulator, GatewayWording


class EhmEmulator(GatewayEmulator):
    """People with their early help involvement, case notes and documents (no alerts); people EHM-1 onwards."""

    name = "ehm"
    alerts = False
    person_prefix = "EHM-"
    first_numbers = {"person": 1, "case_note": 7001, "document": 8001}
    openapi = GatewayWording(
        short="EHM",
        system="the Liquidlogic Early Help Module (EHM)",
        intro=("Liquidlogic's own interfaces are licensed, so marac speaks this small REST\n"
               "contract instead. A council's integration team puts a gateway implementing\n"
               "it in front of its EHM; the marac sandbox emulates it (marac_ehm.emulator).\n"
               "It has the same shape as the marac LCS contract, without alerts: marac\n"
               "does not put warnings on early help records (a procedure that wants one\n"
               "makes it a manual step)."),
        id_example="EHM-77",
        case_summary="the early help case summary",
        involvement=("Whether the person is in an open early help episode now, the team holding it,\n"
                     "the lead practitioner (allocated_worker) and the team manager."),
        teams="Early Intervention, Family Support",
    )

"""The EHM adapter: marac's gateway contract (marac_core.gateway) without alerts, as openapi.yaml documents it."""

from __future__ import annotations

from typing import ClassVar

from marac_core.api import Action, GatewayAdapter


class EhmAdapter(GatewayAdapter):
    """Liquidlogic Early Help Module, through its marac gateway. EHM takes no alerts here."""

    name = "ehm"
    capabilities: ClassVar[frozenset[Action]] = frozenset({"case_note", "upload_document", "delete_document"})

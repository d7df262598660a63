"""The LCS adapter: marac's gateway contract (marac_core.gateway), as openapi.yaml documents it for LCS."""

from __future__ import annotations

from marac_core.api import GatewayAdapter


class LcsAdapter(GatewayAdapter):
    """Liquidlogic Children's Social Care, through its marac gateway (every action of the contract)."""

    name = "lcs"

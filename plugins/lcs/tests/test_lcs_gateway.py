"""LCS through the gateway kit (marac_core.testing.gateway): the adapter's requests, openapi.yaml against
the emulator, and a round trip over HTTP; with LCS's own id formats and every action of the contract."""

from marac_lcs.adapter import LcsAdapter
from marac_lcs.emulator import LcsEmulator

from marac_core.testing.gateway import GatewayTests


class TestLcsGateway(GatewayTests):
    adapter = LcsAdapter
    emulator = LcsEmulator
    first_ids = {"person": "LCS-1001", "case_note": "CN-5001", "alert": "AL-301", "document": "DOC-9001"}

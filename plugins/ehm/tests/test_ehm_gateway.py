"""EHM through the gateway kit (marac_core.testing.gateway): the adapter's requests, openapi.yaml against
the emulator, and a round trip over HTTP; with EHM's own id formats, and no alerts."""

from marac_ehm.adapter import EhmAdapter
from marac_ehm.emulator import EhmEmulator

from marac_core.testing.gateway import GatewayTests


class TestEhmGateway(GatewayTests):
    adapter = EhmAdapter
    emulator = EhmEmulator
    first_ids = {"person": "EHM-1", "case_note": "CN-7001", "document": "DOC-8001"}


def test_ehm_has_no_alerts() -> None:
    assert EhmAdapter.capabilities == {"case_note", "upload_document", "delete_document"}
    assert not EhmEmulator.alerts and "/alerts" not in EhmEmulator.openapi_yaml()

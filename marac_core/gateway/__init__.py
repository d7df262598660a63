"""marac's REST gateway contract, for record systems that have no public API of their own.

A small JSON REST protocol that a council's integration team can put in front
of any record system (Liquidlogic, Mosaic, Eclipse...): a bearer-token login,
one person search that answers with each person's involvement, case notes,
alerts (optional), documents, and an ``external_ref`` on every write that the
client can search for afterwards (so that a write whose answer was lost is
found instead of made twice).

- ``client.GatewayAdapter``: the adapter that speaks it;
- ``emulator.GatewayEmulator``: the sandbox's server side of it;
- ``openapi``: its OpenAPI 3.1 document, rendered for each system from one template.

A plugin for a system behind a gateway subclasses the first two (name, id
format, whether the system has alerts, the wording of its document) and ships
its rendered document. Nothing is imported here, so that registering such a
plugin stays cheap.
"""

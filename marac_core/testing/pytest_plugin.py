"""pytest plugin of the adapter conformance kit (fixtures land here with the kit)."""

"""The rep's workbench in the browser (``marac workbench``): a whole meeting over the core the CLI uses."""

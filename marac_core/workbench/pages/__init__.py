"""The workbench's pages, one module per area: meetings, a case, follow-up."""

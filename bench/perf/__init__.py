"""The performance benchmark (issue 7): synthetic meetings, timed runs of the ``marac`` command."""

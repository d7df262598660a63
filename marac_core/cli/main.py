"""The ``marac`` command: the group, and where each command lives. A command's module is imported
only when that command runs or shows its help (see lazy.py), so ``marac --help`` imports click alone."""

from __future__ import annotations

import click

from marac_core.cli.lazy import LazyGroup

_COMMANDS = "marac_core.cli.commands"
COMMANDS: dict[str, tuple[str, str]] = {
    "adapters": (f"{_COMMANDS}:adapters", "List the installed adapters with their versions."),
    "apply": (f"{_COMMANDS}:apply",
              "Carry out the plan. Re-running it does nothing new; a killed run is completed by the next."),
    "audit": (f"{_COMMANDS}:audit", "The append-only, hash-chained log of every write."),
    "check": ("marac_core.cli.check:check",
              "Validate a meeting file as plan and apply read it; nothing is looked up or written."),
    "credentials": (f"{_COMMANDS}:credentials", "Secrets for the record systems, held only in the system keyring."),
    "demo": (f"{_COMMANDS}:demo", "Run the whole job on the bundled example meetings, no set-up needed."),
    "done": (f"{_COMMANDS}:done", "Mark a manual step (or one checked by hand) as done."),
    "due": (f"{_COMMANDS}:due", "List what is due and overdue across meetings."),
    "import": ("marac_core.cli.agenda:import_agenda_command",
               "Turn the coordinator's agenda (XLSX, CSV, DOCX; password-protected or in an AES zip or 7-Zip"
               " archive) into a meeting file. Prints a preview and what it was unsure of on stderr."),
    "import-minutes": ("marac_core.cli.agenda:import_minutes_command",
                       "Read the minutes' per-case action tables (DOCX, XLSX, or PDF with real tables) into each"
                       " case's outcome.actions. Shows what it would add; writes only with --write."),
    "new-adapter": ("marac_core.scaffold.command:new_adapter",
                    "Create a new adapter package NAME: adapter, emulator, conformance tests."),
    "new-procedure": ("marac_core.scaffold.command:new_procedure",
                      "Create a new procedure package NAME: rules, settings, paragraph tests."),
    "plan": (f"{_COMMANDS}:plan",
             "Look people up and print what must be done. Writes nothing to any record system."),
    "procedures": ("marac_core.cli.procedures:procedures",
                   "List the installed procedures: name, title, version and the plugin that provides each."),
    "purge": (f"{_COMMANDS}:purge", "Remove a meeting's data (or every meeting's) from the runner's state once its"
                                    " retention period is over."),
    "research": ("marac_core.cli.research:research", "Show the research pack of each case (what the look-ups found),"
                                                     " kept until the meeting has taken place."),
    "retry": (f"{_COMMANDS}:retry",
              "After checking by hand that an uncertain write did not land, let the next apply write it."),
    "review": ("marac_core.cli.review:review",
               "Confirm or reject each unsure match; plan and apply then use the answer."),
    "sandbox": (f"{_COMMANDS}:sandbox", "The built-in emulators of the record systems."),
    "show": ("marac_core.cli.show:show", "Print the full mandated wording of an obligation (its title, text,"
                                         " boxes, recipients), never cut."),
    "status": (f"{_COMMANDS}:status", "Show each obligation: case, role, person, what to do (in full), due time,"
                                      " state and note."),
    "workbench": ("marac_core.cli.workbench:workbench", "Serve the rep's workbench in the browser until interrupted"
                                                        " (loopback only, one-time link)."),
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="marac-core", prog_name="marac")
def main() -> None:
    """Carry out a MARAC representative's record-keeping in the agency's record systems.

    The runner's state (its ledger, research packs) is kept in the user data folder 'marac'
    (~/.local/share/marac on Linux) unless --state DIR is given; a --sandbox run without --state
    keeps its own apart, under 'marac-sandbox'.
    """


if __name__ == "__main__":
    main()

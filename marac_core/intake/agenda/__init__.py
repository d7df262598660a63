"""Reading the coordinator's agenda as it arrives (XLSX, CSV, DOCX tables; encrypted or archived)
into a meeting file of spec section 2, and the minutes' action tables into the cases' outcomes.

One module per job: ``files`` opens and decrypts, ``sheets``/``text_table``/``word`` read each kind
into tables of cells, ``headings`` finds and recognises the heading row, ``cells`` reads one cell
(dates, NHS numbers, postcodes), ``people`` reads the cells that name people, ``build`` makes the
meeting, ``mapping`` keeps what was recognised, ``minutes`` reads the actions after the meeting.
"""

from __future__ import annotations

from marac_core.intake.agenda.build import Imported, import_agenda

__all__ = ["Imported", "import_agenda"]

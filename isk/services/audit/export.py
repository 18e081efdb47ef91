"""The granskningslogg as XLSX or CSV: the filtered entries, newest first, safe to open.

Cells that a spreadsheet would run as a formula are neutralised: the spreadsheet gate
(`spreadsheets.write_table`) writes every cell.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import format_datetime
from flask_babel import gettext as _

from ..spreadsheets import write_table
from .reading import AuditFilter, EntryView, all_of

FORMATS = ("xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def header() -> list[str]:
    return [
        _("Nr"), _("Tidpunkt"), _("Användare"), _("E-postadress"), _("Händelse"),
        _("Händelsekod"), _("Objekt"), _("Objekt-id"), _("Enhet"), _("Uppgifter"),
        _("Före → efter"), _("IP-adress"), _("Kontrollsumma"),
    ]


def row_of(view: EntryView) -> list[str]:
    entry = view.entry
    return [
        str(entry.id),
        format_datetime(entry.occurred_at, "yyyy-MM-dd HH:mm:ss"),
        entry.actor.name if entry.actor else "",
        entry.actor.email if entry.actor else "",
        view.event,
        entry.event,
        f"{view.object}: {view.object_name}" if view.object_name else view.object,
        str(entry.object_id) if entry.object_id is not None else "",
        entry.org_unit.name if entry.org_unit else "",
        view.details_text(),
        view.changes_text(),
        entry.remote_addr or "",
        entry.entry_hash,
    ]


def export_log(audit_filter: AuditFilter, kind: str) -> tuple[bytes, int]:
    """The file and how many entries it holds (read and written a batch at a time)."""
    written = 0

    def rows() -> Iterator[list[str]]:
        nonlocal written
        for view in all_of(audit_filter):
            written += 1
            yield row_of(view)

    return write_table(kind, _("Granskningslogg"), header(), rows()), written

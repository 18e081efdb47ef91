"""The granskningslogg page: filters, before → after, links, export, and the integrity check."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm
from ...models import AuditEntry, OrgUnit, User
from ...permissions import Permission, access
from ...services import audit
from ...services.audit import export
from ...services.audit.labels import EVENT_GROUPS, EVENT_LABELS, object_label
from ...services.audit.reading import AuditFilter, page_of
from ...services.audit_log import record
from ..files import recorded_download
from . import bp
from .audit_links import record_links

AUDIT_PAGE_SIZE = 100
DIGITS = re.compile(r"[0-9]+")


@bp.route("/granskningslogg")
@access(Permission.VIEW_AUDIT_LOG)
def audit_log() -> str:
    audit_filter = AuditFilter.from_args(request.args)
    number = request.args.get("sida", "").strip() or "1"
    page = page_of(audit_filter, int(number), AUDIT_PAGE_SIZE) if DIGITS.fullmatch(number) else None
    if page is None:
        abort(404)
    links = record_links([(v.entry.object_type, v.entry.object_id) for v in page.entries]
                         + [(r.object_type, r.object_id) for v in page.entries for r in v.related])
    return render_template(
        "admin/audit_log.html", page=page, audit_filter=audit_filter, links=links,
        choices=_filter_choices(audit_filter), verify_form=EmptyForm(), object_label=object_label,
    )


def _filter_choices(audit_filter: AuditFilter) -> dict[str, object]:
    """What the filter's lists offer: people, units (as a tree), object types and events."""
    users = db.session.execute(select(User.id, User.name, User.email).order_by(User.name)).all()
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.path)).all()
    recorded_types = set(db.session.scalars(
        select(AuditEntry.object_type).distinct().where(AuditEntry.object_type.is_not(None))))
    recorded_events = set(db.session.scalars(select(AuditEntry.event).distinct()))
    types = recorded_types | ({audit_filter.object_type} if audit_filter.object_type else set())
    unknown_events = sorted(recorded_events - set(EVENT_LABELS))
    return {
        "users": users,
        "units": [(u.id, u.name, u.path.count("/") - 2) for u in units],
        "object_types": sorted(((t, object_label(t)) for t in types), key=lambda p: p[1]),
        "event_groups": [(str(group), sorted(((code, str(label)) for code, label in
                                              events.items()), key=lambda p: p[1]))
                         for group, events in EVENT_GROUPS],
        "other_events": unknown_events,
    }


@bp.route("/granskningslogg/export.<any(xlsx, csv):kind>")
@access(Permission.VIEW_AUDIT_LOG)
def audit_log_export(kind: str) -> Response:
    audit_filter = AuditFilter.from_args(request.args)
    content, rows = export.export_log(audit_filter, kind)
    return recorded_download(content, export.MIMETYPES[kind], f"granskningslogg.{kind}",
                             "audit_log_exported", None, format=kind, rows=rows,
                             filters=audit_filter.to_args() or None)


@bp.route("/granskningslogg/kontroll", methods=["POST"])
@access(Permission.VIEW_AUDIT_LOG)
def audit_log_verify() -> Response:
    """The same check as `flask isk verify-audit`; its result is itself recorded."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = audit.verify()
    record("audit_log_verified", whole=result.whole, checked=result.checked,
           entry_id=result.last_id, entry_hash=result.last_hash,
           problem=result.problem.message if result.problem else None)
    db.session.commit()
    if result.whole:
        flash(f"{result.summary} {result.head_text}", "success")
    else:
        flash(result.summary, "error")
    return redirect(url_for("admin.audit_log", **AuditFilter.from_args(request.args).to_args()))

"""Administration: users and the audit trail."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import AuditEntry, User
from ...permissions import Permission, access

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE_SIZE = 100


@bp.route("/anvandare")
@access(Permission.MANAGE_USERS)
def users() -> str:
    accounts = db.session.scalars(
        select(User).options(selectinload(User.org_unit)).order_by(User.name)
    ).all()
    return render_template("admin/users.html", users=accounts)


@bp.route("/granskningslogg")
@access(Permission.VIEW_AUDIT_LOG)
def audit_log() -> str:
    page = db.paginate(
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc()),
        page=request.args.get("sida", 1, type=int),
        per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
    return render_template("admin/audit_log.html", page=page)

"""Administration: users."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import User
from ...permissions import Permission, access
from . import bp


@bp.route("/anvandare")
@access(Permission.MANAGE_USERS)
def users() -> str:
    accounts = db.session.scalars(
        select(User).options(selectinload(User.org_unit)).order_by(User.name)
    ).all()
    return render_template("admin/users.html", users=accounts)

"""The user's own account: the profile page, and setting a password through a one-time link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...permissions import AUTHENTICATED, PUBLIC, access
from ...services import sam
from ...services.accounts import invitations
from ...services.errors import AccountError
from .forms import SetPasswordForm
from .views import bp


@bp.route("/konto")
@access(AUTHENTICATED)
def profile() -> str:
    return render_template("auth/profile.html", user=current_user,
                           assignment=sam.assignment_for(current_user))


@bp.route("/konto/losenord/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def set_password(token: str) -> Response | tuple[str, int]:
    try:
        link = invitations.usable_link(token)
    except invitations.LinkRefused as refused:
        return render_template("auth/link_refused.html", message=str(refused)), refused.status
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = invitations.set_password_with_link(token, form.new_password.data)
        except invitations.LinkRefused as refused:
            db.session.rollback()
            return render_template("auth/link_refused.html", message=str(refused)), refused.status
        except AccountError as error:
            db.session.rollback()
            form.new_password.errors.append(str(error))
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()  # someone else was logged in in this browser
            flash(_("Ditt lösenord är sparat. Logga in med %(email)s och ditt nya lösenord.",
                    email=user.email), "success")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/set_password.html", form=form, link=link), status

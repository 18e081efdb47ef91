"""Administration: users. Invite, edit, deactivate and reactivate, unlock, new password link."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...forms import EmptyForm
from ...models import OrgUnit, PasswordLink, Role, User
from ...models.types import utcnow
from ...permissions import Permission, access
from ...services import mail, org
from ...services.accounts import invitations, management
from ..refusals import REFUSALS, show_refusal
from . import bp
from .forms import InviteForm, UserForm, role_choices, unit_choices

View = Response | str | tuple[str, int]


def _user_or_404(user_id: int) -> User:
    return management.load_user(user_id) or abort(404)


def _fill_choices(form: UserForm, current: OrgUnit | None = None) -> None:
    units = list(org.all_units())
    if current is not None and current not in units:
        units.append(current)  # an archived unit the user still belongs to
        units.sort(key=lambda unit: unit.path)
    form.role.choices = role_choices()
    form.org_unit.choices = unit_choices(units, _("Ingen (hela regionen)"))


def _chosen_unit(form: UserForm) -> OrgUnit | None:
    return db.session.get(OrgUnit, int(form.org_unit.data)) if form.org_unit.data else None


@bp.route("/anvandare")
@access(Permission.MANAGE_USERS)
def users() -> str:
    return render_template("admin/users.html", users=management.list_users())


def _mail_link(user: User, link: PasswordLink, token: str, sent: str) -> None:
    """Send the link after the commit; say so, or say why not (the account is kept)."""
    try:
        saved = invitations.send_link(user, link, token)
    except mail.MailError as error:
        flash(_("Brevet kunde inte skickas: %(error)s Skicka en ny länk från användarens sida "
                "när e-posten fungerar.", error=error), "error")
    else:
        if saved is None:
            flash(sent, "success")
        else:
            flash(_("Ingen e-postserver är inställd: brevet till %(to)s sparades i utkorgen "
                    "(%(path)s).", to=user.email, path=saved), "success")


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@access(Permission.MANAGE_USERS)
def invite() -> View:
    form = InviteForm()
    _fill_choices(form)
    if request.method == "GET":
        form.role.data = Role.READER.value
    status = 200
    if form.validate_on_submit():
        try:
            user, link, token = invitations.invite_user(
                form.email.data, Role(form.role.data), _chosen_unit(form), form.name.data,
                by=current_user)
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
        else:
            db.session.commit()
            _mail_link(user, link, token, _("%(name)s är inbjuden; inbjudan är skickad till "
                                            "%(email)s.", name=user.name, email=user.email))
            return redirect(url_for(".user", user_id=user.id))
    elif form.errors:
        status = 400
    return render_template("admin/invite.html", form=form), status


def _render_user(user: User, form: UserForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "admin/user.html", user=user, form=form, action_form=EmptyForm(),
        links=invitations.open_links(user), now=utcnow(),
    ), status


@bp.route("/anvandare/<int:user_id>", methods=["GET", "POST"])
@access(Permission.MANAGE_USERS)
def user(user_id: int) -> View:
    account = _user_or_404(user_id)
    form = UserForm(data={"name": account.name, "role": account.role.value,
                          "org_unit": str(account.org_unit_id or "")}
                    if request.method == "GET" else None)
    _fill_choices(form, account.org_unit)
    status = 200
    if form.validate_on_submit():
        try:
            changed = management.update_user(
                account, management.UserData(form.name.data, Role(form.role.data),
                                             _chosen_unit(form)), by=current_user)
            db.session.flush()
        except REFUSALS as error:
            status = show_refusal(form, error)
            account = _user_or_404(user_id)
        else:
            db.session.commit()
            flash(_("Uppgifterna för %(name)s är sparade.", name=account.name) if changed
                  else _("Inget är ändrat."), "success" if changed else "info")
            return redirect(url_for(".user", user_id=account.id))
    elif form.errors:
        status = 400
    return _render_user(account, form, status)


def _refused_on_user_page(user_id: int, error: Exception) -> tuple[str, int]:
    """Undo, and show the user's page with the refusal flashed above it."""
    status = show_refusal(None, error)  # type: ignore[arg-type]
    account = _user_or_404(user_id)
    form = UserForm(data={"name": account.name, "role": account.role.value,
                          "org_unit": str(account.org_unit_id or "")})
    _fill_choices(form, account.org_unit)
    return _render_user(account, form, status)


def _button(user_id: int, act: Callable[[User], object], message: str) -> View:
    """A POST-only button on the user's page: act, one commit, say what happened."""
    account = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        act(account)
        db.session.flush()
    except REFUSALS as error:
        return _refused_on_user_page(user_id, error)
    db.session.commit()
    flash(message % {"name": account.name}, "success")
    return redirect(url_for(".user", user_id=account.id))


@bp.route("/anvandare/<int:user_id>/inaktivera", methods=["POST"])
@access(Permission.MANAGE_USERS)
def deactivate(user_id: int) -> View:
    return _button(user_id, lambda account: management.deactivate_user(account, by=current_user),
                   _("%(name)s är inaktiverad och utloggad. Historiken finns kvar."))


@bp.route("/anvandare/<int:user_id>/aktivera", methods=["POST"])
@access(Permission.MANAGE_USERS)
def reactivate(user_id: int) -> View:
    return _button(user_id, lambda account: management.reactivate_user(account, by=current_user),
                   _("%(name)s är aktiv igen och kan logga in."))


@bp.route("/anvandare/<int:user_id>/las-upp", methods=["POST"])
@access(Permission.MANAGE_USERS)
def unlock(user_id: int) -> View:
    return _button(user_id, lambda account: management.unlock_user(account, by=current_user),
                   _("Spärren för %(name)s är hävd; kontot kan logga in igen."))


@bp.route("/anvandare/<int:user_id>/losenordslank", methods=["POST"])
@access(Permission.MANAGE_USERS)
def send_password_link(user_id: int) -> View:
    account = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        link, token = invitations.new_password_link(account, by=current_user)
        db.session.flush()
    except REFUSALS as error:
        return _refused_on_user_page(user_id, error)
    db.session.commit()
    _mail_link(account, link, token, _("En ny länk för att välja lösenord är skickad till "
                                       "%(email)s.", email=account.email))
    return redirect(url_for(".user", user_id=account.id))

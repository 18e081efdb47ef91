"""Forms for the ISK-bedömning."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...forms import Form, options
from ...models import AssessmentPeriod, Criterion, Judgement, SecurityAspect
from ..plans.forms import MultiCheckboxField, VersionMixin


class ReasonMixin:
    """A change to a fastställd assessment says why; the view makes it required then."""

    reason = TextAreaField(
        _l("Anledning till ändringen"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Bedömningen är fastställd: ändringen sparas som en ny version med din "
                       "motivering."),
    )


def optional_judgement(value: object) -> Judgement | None:
    return Judgement(value) if value else None


class NewAssessmentForm(Form):
    org_unit = SelectField(_l("Nämnd eller förvaltning"), coerce=int,
                           validators=[InputRequired()])
    year = IntegerField(_l("År"), validators=[
        InputRequired(message=_l("Ange året som bedöms.")),
        NumberRange(2000, 2100, message=_l("Ange ett år mellan 2000 och 2100."))])
    period = RadioField(_l("Uppföljning"), coerce=AssessmentPeriod,
                        choices=options((p.value, p.label) for p in AssessmentPeriod),
                        default=AssessmentPeriod.ANNUAL.value,
                        validators=[InputRequired(message=_l("Välj delår eller helår."))])
    submit = SubmitField(_l("Skapa utkast"))


class AssessmentForm(ReasonMixin, VersionMixin, Form):
    judgement = RadioField(
        _l("Har den interna styrningen och kontrollen varit tillräcklig?"),
        coerce=optional_judgement,
        choices=options((j.value, j.label) for j in Judgement),
        validators=[Optional()],
    )
    motivation = TextAreaField(
        _l("Motivering"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 6},
        description=_l("Vad bygger bedömningen på: vad kontrollerades, vad hittades, vad "
                       "gjordes åt det och vilka åtgärder som inte genomfördes."))
    statement_a = TextAreaField(_l("Krav a"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 3})
    statement_b = TextAreaField(_l("Krav b"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 3})
    statement_c = TextAreaField(_l("Krav c"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 3})
    statement_d = TextAreaField(_l("Krav d"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 3})
    statement_e = TextAreaField(_l("Krav e"), validators=[Optional(), Length(max=20_000)],
                                render_kw={"rows": 3})
    submit = SubmitField(_l("Spara bedömningen"))


class AdoptAssessmentForm(VersionMixin, Form):
    adopted_on = DateField(_l("Beslutsdatum"),
                           validators=[InputRequired(message=_l("Ange beslutsdatum."))])
    paragraph = StringField(
        _l("Paragraf"), validators=[DataRequired(message=_l("Ange paragrafen.")),
                                    Length(max=100)],
        description=_l("Beslutsparagrafen, till exempel ”SN § 12”."))
    diary_number = StringField(_l("Diarienummer"), validators=[Optional(), Length(max=100)])
    submit = SubmitField(_l("Fastställ bedömningen"))


class ImprovementForm(ReasonMixin, Form):
    text = TextAreaField(
        _l("Förbättringsområde"),
        validators=[DataRequired(message=_l("Beskriv förbättringsområdet.")),
                    Length(max=4000)], render_kw={"rows": 2},
        description=_l("Något att förbättra nästa år. Det kan föras in i nästa års plan som "
                       "en risk eller en åtgärd."))
    submit = SubmitField(_l("Lägg till"))


class ArchiveImprovementForm(ReasonMixin, Form):
    submit = SubmitField(_l("Ta bort"))


class CarryForm(Form):
    kind = RadioField(_l("För in som"), choices=options([
        ("risk", _l("En ny risk")), ("action", _l("En åtgärd på en befintlig risk"))]),
        default="risk", validators=[InputRequired(message=_l("Välj risk eller åtgärd."))])
    area = StringField(_l("Verksamhet (för en ny risk)"),
                       validators=[Optional(), Length(max=200)],
                       description=_l("En verksamhet i planen, eller en ny."),
                       render_kw={"list": "areas"})
    criteria = MultiCheckboxField(_l("Kriterier (för en ny risk)"), coerce=Criterion,
                                  choices=options((c.value, c.label) for c in Criterion))
    aspects = MultiCheckboxField(_l("Vad hotas (vid kriterium e)"), coerce=SecurityAspect,
                                 choices=options((a.value, a.label) for a in SecurityAspect))
    risk_id = SelectField(_l("Risk (för en åtgärd)"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("För in i planen"))


class RegionYearForm(Form):
    class Meta:
        csrf = False  # a GET form that changes nothing

    year = IntegerField(_l("År"), validators=[Optional(), NumberRange(2000, 2100)])


__all__ = [
    "AdoptAssessmentForm",
    "ArchiveImprovementForm",
    "AssessmentForm",
    "CarryForm",
    "ImprovementForm",
    "NewAssessmentForm",
    "RegionYearForm",
]

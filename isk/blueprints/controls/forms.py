"""Forms for controls, kontrollutfall, stickprov and the sample-size calculator."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...forms import options
from ...models import ControlMethod, FollowUp, ResultStatus, ScheduleKind
from ...services.controls.periods import MONTH_NAMES

RISK_CHOICES = options([("5", _l("5 % (95 % konfidens)")), ("10", _l("10 % (90 % konfidens)"))])
SIZE_METHODS = options([
    ("statistical", _l("Beräknad utifrån risk och avvikelsefrekvenser")),
    ("judgement", _l("Bestämd efter bedömning (motivera)")),
])


class VersionMixin:
    version = HiddenField()

    def expected_version(self) -> int | None:
        value = self.version.data  # type: ignore[attr-defined]
        return int(value) if value and str(value).isdigit() else None


class ControlForm(VersionMixin, FlaskForm):
    target = SelectField(_l("Åtgärd eller risk som kontrolleras"),
                         validators=[InputRequired(message=_l("Välj en åtgärd eller risk."))])
    description = TextAreaField(
        _l("Vad kontrolleras"),
        validators=[DataRequired(message=_l("Beskriv vad som kontrolleras.")),
                    Length(max=4000)],
        description=_l("Till exempel ”Anteckning på fakturor för resor, kurser och "
                       "representation”."),
        render_kw={"rows": 3},
    )
    method = SelectField(_l("Kontrollmetod"),
                         choices=options((m.value, m.label) for m in ControlMethod),
                         validators=[InputRequired()])
    schedule_kind = RadioField(
        _l("När görs kontrollen"),
        choices=options((k.value, k.label) for k in ScheduleKind),
        default=ScheduleKind.TERTIAL.value,
        validators=[InputRequired(message=_l("Välj när kontrollen görs."))],
    )
    schedule_month = SelectField(
        _l("Månad (om månad)"),
        choices=options([("", "–"), *((str(n), name) for n, name in enumerate(MONTH_NAMES, 1))]),
        validators=[Optional()],
    )
    schedule_tertial = SelectField(
        _l("Tertial (om tertial)"),
        choices=options([("", "–"), ("1", "T1"), ("2", "T2"), ("3", "T3")]),
        validators=[Optional()],
    )
    scheduled_on = DateField(_l("Datum (om datum)"), validators=[Optional()])
    responsible = SelectField(_l("Ansvarig kontrollant"), coerce=int, validators=[Optional()])
    population_description = TextAreaField(
        _l("Population"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Vad kontrollen väljer ur, till exempel ”Leverantörsfakturor på konto "
                       "5800–5899 under perioden”."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Spara kontroll"))


class ResultForm(FlaskForm):
    performed_text = StringField(
        _l("Utfört"),
        validators=[DataRequired(message=_l("Ange när kontrollen utfördes.")), Length(max=100)],
        description=_l("Som det ska stå i uppföljningen: ett datum, en vecka, en månad eller en "
                       "period, till exempel ”vecka 14” eller ”T1”."),
    )
    performed_on = DateField(
        _l("Datum för utförandet"),
        validators=[InputRequired(message=_l("Ange datum för utförandet."))],
        description=_l("Avgör vilken period utfallet redovisas i."),
    )
    status = SelectField(_l("Resultat"),
                         choices=options((s.value, s.label) for s in ResultStatus),
                         validators=[InputRequired()])
    follow_up = SelectField(_l("Eventuella åtgärder"),
                            choices=options((f.value, f.label) for f in FollowUp),
                            validators=[InputRequired()])
    comment = TextAreaField(_l("Kommentar"), validators=[Optional(), Length(max=4000)],
                            render_kw={"rows": 3})
    sample = SelectField(_l("Stickprov"), coerce=int, validators=[Optional()])
    files = MultipleFileField(
        _l("Underlag"),
        description=_l("PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), CSV eller text."),
    )
    submit = SubmitField(_l("Spara kontrollutfall"))


class PopulationForm(FlaskForm):
    file = FileField(_l("Populationsfil (CSV eller XLSX)"),
                     validators=[FileRequired(message=_l("Välj en fil."))],
                     description=_l("En rad per post med kolumnrubriker på första raden: ett "
                                    "id och gärna belopp, datum och konto. Högst 1 000 000 "
                                    "rader."))
    id_column = StringField(_l("Id-kolumn"), validators=[Optional(), Length(max=200)],
                            description=_l("Lämna tomt om id står i första kolumnen."))
    submit = SubmitField(_l("Läs in populationen"))


# Rates are typed as percentages, as stats.parse_rate reads them.
RISK_HINT = _l("Risken att stickprovet får kontrollen att se ut att fungera fast den inte gör "
               "det. 5 % (95 % konfidens) är det vanliga valet.")
TOLERABLE_HINT = _l("Högst så stor andel fel kan godtas om kontrollen ändå ska anses fungera. "
                    "I procent: 5 eller 5 % är fem procent, 0,5 en halv procent.")
EXPECTED_HINT = _l("Andelen fel du räknar med att hitta, i procent. Ju närmare den tolerabla, "
                   "desto större urval.")


class DrawForm(FlaskForm):
    size_method = RadioField(_l("Urvalets storlek"), choices=SIZE_METHODS,
                             default="statistical", validators=[InputRequired()])
    risk = SelectField(_l("Risk för överförlitan"), choices=RISK_CHOICES, default="5",
                       description=RISK_HINT)
    tolerable = StringField(_l("Tolerabel avvikelsefrekvens"), default="5 %",
                            validators=[Optional(), Length(max=20)], description=TOLERABLE_HINT)
    expected = StringField(_l("Förväntad avvikelsefrekvens"), default="0 %",
                           validators=[Optional(), Length(max=20)], description=EXPECTED_HINT)
    size = IntegerField(_l("Antal poster (vid bedömning)"),
                        validators=[Optional(), NumberRange(1, 2000)])
    reason = TextAreaField(_l("Motivering (vid bedömning)"),
                           validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    amount_column = SelectField(_l("Beloppskolumn"), validators=[Optional()])
    strata_column = SelectField(_l("Dela in i strata efter kolumn"), validators=[Optional()])
    band_edges = StringField(
        _l("Eller dela in efter beloppsgränser"), validators=[Optional(), Length(max=200)],
        description=_l("Till exempel ”1000; 10000” ger tre beloppsintervall. Kräver "
                       "beloppskolumn."),
    )
    threshold = StringField(
        _l("Granska alla poster med belopp från"), validators=[Optional(), Length(max=40)],
        description=_l("Poster med minst detta belopp granskas i sin helhet. Kräver "
                       "beloppskolumn."),
    )
    seed = StringField(_l("Frö"), validators=[Optional(), Length(max=200)],
                       description=_l("Lämna tomt så väljs ett slumpmässigt frö. Samma frö och "
                                      "fil ger samma urval."))
    submit = SubmitField(_l("Dra stickprovet"))


class OutcomesForm(VersionMixin, FlaskForm):
    submit = SubmitField(_l("Spara resultat"))


class RemainingForm(VersionMixin, FlaskForm):
    submit = SubmitField(_l("Markera återstående som utan avvikelse"))


class ResultsUploadForm(VersionMixin, FlaskForm):
    file = FileField(_l("Ifylld stickprovsfil (XLSX)"),
                     validators=[FileRequired(message=_l("Välj en fil."))])
    submit = SubmitField(_l("Läs in resultaten"))


class CalculatorForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    size_method = RadioField(_l("Urvalets storlek"), choices=SIZE_METHODS, default="statistical")
    risk = SelectField(_l("Risk för överförlitan"), choices=RISK_CHOICES, default="5",
                       description=RISK_HINT)
    tolerable = StringField(_l("Tolerabel avvikelsefrekvens"), default="5 %",
                            validators=[Optional(), Length(max=20)], description=TOLERABLE_HINT)
    expected = StringField(_l("Förväntad avvikelsefrekvens"), default="0 %",
                           validators=[Optional(), Length(max=20)], description=EXPECTED_HINT)
    size = IntegerField(_l("Antal poster (vid bedömning)"), validators=[Optional()])
    reason = TextAreaField(_l("Motivering (vid bedömning)"),
                           validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    submit = SubmitField(_l("Beräkna"))

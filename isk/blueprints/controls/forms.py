"""Forms for controls, kontrollutfall, stickprov and the sample-size calculator."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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

from ...forms import Form, options
from ...models import ControlMethod, RemediationStatus, ResultCategory
from ..plans.forms import MultiCheckboxField

RISK_CHOICES = options([("5", _l("5 % (95 % konfidens)")), ("10", _l("10 % (90 % konfidens)"))])
SIZE_METHODS = options([
    ("statistical", _l("Beräknad utifrån risk och avvikelsefrekvenser")),
    ("judgement", _l("Bestämd efter bedömning (motivera)")),
])


def _is_number(value: object) -> bool:
    """Plain digits 0-9 only: "²" is a digit to str.isdigit but no number to int()."""
    text = str(value)
    return text.isascii() and text.isdecimal()


class VersionMixin:
    version = HiddenField()

    def expected_version(self) -> int | None:
        value = self.version.data  # type: ignore[attr-defined]
        return int(value) if value and _is_number(value) else None


class ControlForm(VersionMixin, Form):
    target = SelectField(
        _l("Vad kontrollen följer upp"),
        validators=[InputRequired(message=_l("Välj en åtgärd, en risk eller hela planen."))],
        description=_l("En åtgärd eller risk i planen, eller hela planen för ett kontrollområde "
                       "som ”Löneutbetalningar” eller ”Inköp och avtal”."),
    )
    description = TextAreaField(
        _l("Genomförd internkontroll (vad kontrolleras)"),
        validators=[DataRequired(message=_l("Beskriv vad som kontrolleras.")),
                    Length(max=4000)],
        description=_l("Som det ska stå i uppföljningen, till exempel ”Attest av "
                       "leverantörsfakturor” eller kontrollområdet ”Löneutbetalningar”."),
        render_kw={"rows": 2},
    )
    method_text = TextAreaField(
        _l("Kontrollmetod"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Vad som granskas och hur, till exempel ”Stickprov på 25 fakturor: "
                       "attest enligt attestordningen”."),
        render_kw={"rows": 2},
    )
    method = SelectField(
        _l("Typ av kontroll (valfritt)"),
        choices=options([("", _l("Ingen angiven")),
                         *((m.value, m.label) for m in ControlMethod)]),
        validators=[Optional()],
        description=_l("För att kunna filtrera och räkna kontroller av samma slag."),
    )
    occurrences = MultiCheckboxField(
        _l("När görs kontrollen"),
        choices=[],  # the view's, labelled in the user's language
        validators=[Optional()],
        description=_l("Kryssa i varje tillfälle som ska följas upp, till exempel T1, T2 och "
                       "T3. Inget ikryssat: en gång under året."),
    )
    occurrence_date = DateField(_l("Eller ett visst datum"), validators=[Optional()])
    responsible = SelectField(_l("Ansvarig kontrollant"), coerce=int, validators=[Optional()])
    population_description = TextAreaField(
        _l("Population"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Vad kontrollen väljer ur, till exempel ”Leverantörsfakturor på konto "
                       "5800–5899 under perioden”."),
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("Spara kontroll"))


class ResultForm(Form):
    outcome = RadioField(
        _l("Utfördes kontrollen?"),
        choices=options([("performed", _l("Utförd")), ("not_performed", _l("Ej utförd"))]),
        validators=[InputRequired(message=_l("Ange om kontrollen utfördes."))],
    )
    performed_text = StringField(
        _l("Utfört (datum, vecka, månad, period)"),
        validators=[Optional(), Length(max=100)],
        description=_l("Som det ska stå i uppföljningen: ”2026-03-14”, ”vecka 12”, ”mars”, "
                       "”T1” eller ”T1, T2, T3”. Lämnas tomt om kontrollen inte utfördes."),
    )
    occurrences = MultiCheckboxField(_l("Avser tillfälle"), choices=[], validators=[Optional()])
    result_text = TextAreaField(
        _l("Uppföljning/resultat av kontrollen"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Vad kontrollen visade, med egna ord. Om den inte utfördes: varför."),
        render_kw={"rows": 3},
    )
    category = SelectField(
        _l("Resultatkategori (valfritt)"),
        choices=options([("", _l("Ingen angiven")), *((c.value, c.label) for c in ResultCategory)]),
        validators=[Optional()],
    )
    remediation = TextAreaField(
        _l("Eventuella åtgärder/förändringar"),
        validators=[Optional(), Length(max=4000)],
        description=_l("Till exempel ”Rutinen ändrad, effekten följs upp nästa år”."),
        render_kw={"rows": 2},
    )
    remediation_status = SelectField(
        _l("Åtgärdernas status (valfritt)"),
        choices=options([("", _l("Ingen angiven")),
                         *((s.value, s.label) for s in RemediationStatus)]),
        validators=[Optional()],
    )
    sample = SelectField(_l("Stickprov"), coerce=int, validators=[Optional()])
    files = MultipleFileField(
        _l("Underlag"),
        description=_l("PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), CSV eller text."),
    )
    submit = SubmitField(_l("Spara kontrollutfall"))


class FollowUpImportForm(Form):
    file = FileField(
        _l("Uppföljningstabell (CSV eller XLSX)"),
        validators=[FileRequired(message=_l("Välj en fil att importera."))],
        description=_l("Kolumner: Genomförd internkontroll, Kontrollmetod, Utfört, "
                       "Uppföljning/resultat och valfritt Eventuella åtgärder."),
    )
    submit = SubmitField(_l("Förhandsgranska"))


class ConfirmFollowUpImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Importera"))


class PopulationForm(Form):
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


class DrawForm(Form):
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


class OutcomesForm(VersionMixin, Form):
    submit = SubmitField(_l("Spara resultat"))


class RemainingForm(VersionMixin, Form):
    submit = SubmitField(_l("Markera återstående som utan avvikelse"))


class ResultsUploadForm(VersionMixin, Form):
    file = FileField(_l("Ifylld stickprovsfil (XLSX)"),
                     validators=[FileRequired(message=_l("Välj en fil."))])
    submit = SubmitField(_l("Läs in resultaten"))


class CalculatorForm(Form):
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

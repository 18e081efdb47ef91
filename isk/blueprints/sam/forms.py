"""Forms for SAM: rounds, the chef's answers, returneringar, kvittering, avstämning, the chain."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from ...forms import Form
from ...models import AnswerValue, SamFollowUp, SamQuestion
from ...services import sam


class VersionField(IntegerField):
    """The version a page showed. Anything but plain digits is a version that never matches:
    the change is refused as stale (409, with the message to reload), rather than with an
    error on a hidden field that nobody sees."""

    widget = HiddenInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            text = valuelist[0].strip()
            self.data = int(text) if text.isascii() and text.isdecimal() else -1


class VersionedForm(Form):
    """Carries the version of the object the page showed, so a stale page cannot overwrite."""

    version = VersionField(validators=[InputRequired()])


class StartRoundForm(Form):
    org_unit = SelectField(
        _l("Del av organisationen"),
        coerce=int,
        description=_l("Varje chef som leder en enhet här eller under den får en uppföljning."),
    )
    year = IntegerField(
        _l("År"),
        validators=[
            InputRequired(message=_l("Ange året som följs upp.")),
            NumberRange(min=2000, max=2100, message=_l("Ange ett år mellan 2000 och 2100.")),
        ],
    )
    due_on = DateField(
        _l("Sista dag för svar och kvittering"),
        validators=[InputRequired(message=_l("Ange sista dag, till exempel 2026-03-31."))],
    )
    questions = TextAreaField(
        _l("Checklista"),
        description=_l("En fråga per rad. Chefen svarar ja, delvis eller nej med kommentar."),
        validators=[DataRequired(message=_l("Ange minst en fråga i checklistan."))],
        render_kw={"rows": 10},
    )
    submit = SubmitField(_l("Starta rundan"))


class QuestionsForm(VersionedForm):
    questions = TextAreaField(
        _l("Checklista"),
        description=_l("En fråga per rad. Kan ändras tills den första chefen har sparat svar."),
        validators=[DataRequired(message=_l("Ange minst en fråga i checklistan."))],
        render_kw={"rows": 10},
    )
    submit = SubmitField(_l("Spara frågorna"))


class CloseRoundForm(VersionedForm):
    submit = SubmitField(_l("Avsluta rundan"))


def answer_field_name(question: SamQuestion) -> str:
    return f"q{question.id}"


def comment_field_name(question: SamQuestion) -> str:
    return f"q{question.id}_comment"


class AnswersFormBase(VersionedForm):
    submit = SubmitField(_l("Spara svaren"))

    questions: Sequence[SamQuestion] = ()

    def answer_inputs(self) -> dict[int, sam.AnswerInput]:
        """Every point's answer (None where none, or none of ja, delvis and nej, was given)."""
        values = {value.value: value for value in AnswerValue}
        inputs = {}
        for question in self.questions:
            raw = self[answer_field_name(question)].data
            inputs[question.id] = sam.AnswerInput(
                values.get(raw) if isinstance(raw, str) else None,
                self[comment_field_name(question)].data or "",
            )
        return inputs


def answers_form(follow_up: SamFollowUp, **kwargs: object) -> AnswersFormBase:
    """A form with one ja/delvis/nej choice and one comment per point of the round's checklist."""
    questions = follow_up.round.live_questions
    fields: dict[str, object] = {"questions": questions}
    for number, question in enumerate(questions, start=1):
        # The service checks the answers, so that every missing one and every missing comment
        # is shown at once (a form validator would stop before the comments are looked at).
        fields[answer_field_name(question)] = RadioField(
            f"{number}. {question.text}",
            choices=[SelectChoice(value.value, value.label) for value in AnswerValue],
            validate_choice=False,
        )
        fields[comment_field_name(question)] = TextAreaField(
            _l("Kommentar till fråga %(n)d", n=number),
            validators=[Length(max=sam.MAX_COMMENT_LENGTH)],
            render_kw={"rows": 2},
        )
    form_class = type("AnswersForm", (AnswersFormBase,), fields)
    data: dict[str, object] = {"version": follow_up.version_id}
    for answer in follow_up.answers:
        question = next((q for q in questions if q.id == answer.question_id), None)
        if question is not None:
            data[answer_field_name(question)] = answer.value.value
            data[comment_field_name(question)] = answer.comment
    form = form_class(data=data, **kwargs)
    for number, question in enumerate(questions, start=1):
        # The error summary names the point by its number, not by its whole text.
        form[answer_field_name(question)].summary_label = _("Fråga %(n)d", n=number)
    return form


class ReturnForm(VersionedForm):
    task = StringField(
        _l("Arbetsmiljöuppgift som returneras"),
        validators=[
            DataRequired(message=_l("Ange vilken uppgift du returnerar.")),
            Length(max=500),
        ],
    )
    reason = TextAreaField(
        _l("Skäl"),
        description=_l("Vad saknas: kunskap, befogenheter, tid eller pengar?"),
        validators=[
            DataRequired(message=_l("Ange skälet till returneringen.")),
            Length(max=sam.MAX_COMMENT_LENGTH),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Returnera uppgiften"))


class ReturnResponseForm(VersionedForm):
    """The fördelande chef's answer to one returned task (prefixed by the return's id)."""

    response = TextAreaField(
        _l("Hur hanteras uppgiften nu?"),
        description=_l("Till exempel att du tar tillbaka uppgiften, eller vilka kunskaper, "
                       "befogenheter eller resurser chefen får och när."),
        validators=[
            DataRequired(message=_l("Skriv hur uppgiften hanteras nu.")),
            Length(max=sam.MAX_COMMENT_LENGTH),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Spara svaret"))


def response_forms(follow_up: SamFollowUp) -> dict[int, ReturnResponseForm]:
    """One answer form per returned task, each with its own prefix (so its own field ids)."""
    return {
        item.id: ReturnResponseForm(prefix=f"r{item.id}", formdata=None,
                                    data={"version": follow_up.version_id,
                                          "response": item.response or ""})
        for item in follow_up.live_returns
    }


class WithdrawReturnForm(VersionedForm):
    submit = SubmitField(_l("Ta tillbaka"))


class AcknowledgeForm(VersionedForm):
    confirm = BooleanField(
        _l("Jag kvitterar att svaren stämmer. Efter kvitteringen kan de inte ändras."),
        validators=[DataRequired(message=_l("Kryssa i rutan för att kvittera."))],
    )
    submit = SubmitField(_l("Kvittera uppföljningen"))


class ConfirmForm(VersionedForm):
    submit = SubmitField(_l("Markera som avstämd"))


class SendBackForm(VersionedForm):
    comment = TextAreaField(
        _l("Vad behöver chefen komplettera eller ändra?"),
        validators=[
            DataRequired(message=_l("Skriv vad chefen behöver komplettera eller ändra.")),
            Length(max=sam.MAX_COMMENT_LENGTH),
        ],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Skicka tillbaka"))


class ManagerForm(Form):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()], default=0)
    user = SelectField(_l("Chef"), coerce=int)
    units = SelectMultipleField(
        _l("Enheter som chefen leder"),
        coerce=int,
        description=_l("Håll ned Ctrl (Cmd på Mac) för att välja flera."),
        validators=[DataRequired(message=_l("Välj minst en enhet."))],
        render_kw={"size": 8},
    )
    delegating = SelectField(
        _l("Fördelande chef"),
        coerce=int,
        description=_l("Chefen som har fördelat arbetsmiljöuppgifterna. Tom för kedjans topp."),
        # The choices leave out the chefs below this one; a choice made on a page that the
        # chain has since changed under is refused by the service, which says why.
        validate_choice=False,
    )
    submit = SubmitField(_l("Spara"))


class ArchiveManagerForm(VersionedForm):
    submit = SubmitField(_l("Ta bort ur chefskedjan"))


class ImportManagersForm(Form):
    file = FileField(
        _l("Fil med chefskedjan (CSV eller XLSX)"),
        description=_l(
            "Kolumner: chef (e-post), enheter (enhetskoder, skilda med semikolon), "
            "fordelande_chef (e-post, tom för kedjans topp)."
        ),
        validators=[
            FileRequired(message=_l("Välj en fil.")),
            FileAllowed(["csv", "xlsx"], message=_l("Filen måste vara en CSV- eller XLSX-fil.")),
        ],
    )
    submit = SubmitField(_l("Läs in"))


class TargetForm(Form):
    """The year's target for the share of chefs who answered, and the long-term target."""

    year = IntegerField(_l("År"), validators=[
        InputRequired(message=_l("Ange året.")),
        NumberRange(min=2000, max=2100, message=_l("Ange ett år mellan 2000 och 2100."))])
    target_min = IntegerField(_l("Mål för året, från (%)"), validators=[
        InputRequired(message=_l("Ange målet.")), NumberRange(0, 100)])
    target_max = IntegerField(_l("till (%)"), validators=[
        InputRequired(message=_l("Ange målet.")), NumberRange(0, 100)])
    long_term_min = IntegerField(_l("Långsiktigt mål, från (%)"), validators=[
        InputRequired(message=_l("Ange det långsiktiga målet.")), NumberRange(0, 100)])
    long_term_max = IntegerField(_l("till (%)"), validators=[
        InputRequired(message=_l("Ange det långsiktiga målet.")), NumberRange(0, 100)])
    submit = SubmitField(_l("Spara målet"))

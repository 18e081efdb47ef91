"""ISK-bedömningar: drafting, fastställa like a plan, versions after adoption, förbättringsområden.

Drafted by an internkontrollant (whoever may edit the unit's plan), fastställd by whoever may
adopt it, with a decision date not in the future, a paragraph and optionally a diarienummer.
A fastställd assessment is a decision: a later change needs a reason and adds a version that
keeps what the assessment said and the key figures of its evidence at that moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db
from ...models import (
    REQUIREMENTS,
    Action,
    Assessment,
    AssessmentPeriod,
    AssessmentRevision,
    AssessmentStatus,
    ImprovementArea,
    Judgement,
    OrgUnit,
    OrgUnitKind,
    Risk,
    User,
)
from ...models.types import utcnow
from .. import audit_log, clock, org
from ..errors import ConflictError, DomainError, check_version, flush
from ..plans.fields import Content
from ..text import check_length, clean
from .evidence import Figures, gather

SNAPSHOT_FORMAT = 1
MAX_TEXT = 20_000
# Units that judge their internal control: the region (samlad bedömning), nämnder,
# förvaltningar and områden with a plan of their own; not single enheter.
ASSESSING_KINDS = frozenset({OrgUnitKind.REGION, OrgUnitKind.NAMND, OrgUnitKind.FORVALTNING,
                             OrgUnitKind.OMRADE})


class AssessmentError(DomainError):
    """A rule on ISK-bedömningar was broken."""


@dataclass
class AssessmentContent(Content):
    """What an assessment says: the judgement, why, and a statement per requirement a–e."""

    judgement: Judgement | None = None
    motivation: str | None = None
    statement_a: str | None = None
    statement_b: str | None = None
    statement_c: str | None = None
    statement_d: str | None = None
    statement_e: str | None = None

    def tidy(self) -> None:
        """Texts stripped; an empty one is None (not yet written)."""
        for name in self.field_names():
            if name != "judgement":
                setattr(self, name, clean(getattr(self, name)))

    def missing(self) -> list[str]:
        """What a fastställd assessment must say and this one does not yet (Swedish, for users)."""
        missing = []
        if self.judgement is None:
            missing.append(_("bedömning (tillräcklig, delvis tillräcklig eller inte tillräcklig)"))
        if not self.motivation:
            missing.append(_("motivering"))
        missing += [_("kommentar till krav %(letter)s", letter=letter)
                    for letter in REQUIREMENTS if not getattr(self, f"statement_{letter}")]
        return missing


# --- reading --------------------------------------------------------------------------------


def _options() -> tuple[Any, ...]:
    """The assessment with everything its page shows, in one query (its result must be made
    `unique()`): its unit and people, its förbättringsområden with the risk or åtgärd each
    was carried into, and its versions with who made them."""
    improvements = joinedload(Assessment.improvements)
    return (joinedload(Assessment.org_unit), joinedload(Assessment.adopted_by),
            joinedload(Assessment.created_by),
            improvements.joinedload(ImprovementArea.carried_risk)
            .joinedload(Risk.process_area),
            improvements.joinedload(ImprovementArea.carried_action).joinedload(Action.risk)
            .joinedload(Risk.process_area),
            joinedload(Assessment.revisions).joinedload(AssessmentRevision.created_by))


def load_assessment(assessment_id: int) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.id == assessment_id, Assessment.archived_at.is_(None)).options(*_options())
    ).unique().first()


def find_assessment(unit: OrgUnit, year: int, period: AssessmentPeriod) -> Assessment | None:
    return db.session.scalars(select(Assessment).where(
        Assessment.org_unit_id == unit.id, Assessment.year == year, Assessment.period == period,
        Assessment.archived_at.is_(None)).options(*_options())).unique().first()


def assessments_visible_to(user: User) -> Sequence[Assessment]:
    """The live assessments in the user's scope, newest year first."""
    query = (select(Assessment).join(Assessment.org_unit)
             .where(Assessment.archived_at.is_(None))
             .options(selectinload(Assessment.org_unit))
             .order_by(Assessment.year.desc(), OrgUnit.path, Assessment.period.desc()))
    scoped = org.user_scope(query, user)
    return [] if scoped is None else db.session.scalars(scoped).all()


def assessing_units(user: User) -> list[OrgUnit]:
    """Units in the user's scope that make an ISK-bedömning."""
    return [unit for unit in org.units_for(user) if unit.kind in ASSESSING_KINDS]


def annual_is_adopted(unit: OrgUnit, year: int) -> bool:
    """Has the unit fastställt its helår assessment of the year? (A plan closes only then.)"""
    return bool(db.session.scalar(select(func.count(Assessment.id)).where(
        Assessment.org_unit_id == unit.id, Assessment.year == year,
        Assessment.period == AssessmentPeriod.ANNUAL,
        Assessment.status == AssessmentStatus.ADOPTED, Assessment.archived_at.is_(None))))


# --- rules the pages ask -----------------------------------------------------------------------


def needs_reason(assessment: Assessment) -> bool:
    """A fastställd assessment changes only with a reason, as a new version."""
    return assessment.is_adopted


def adoption_refusal(assessment: Assessment) -> str | None:
    """Why the assessment cannot be fastställd now, or None."""
    if assessment.is_adopted:
        return _("Bedömningen är redan fastställd.")
    missing = AssessmentContent.of(assessment).missing()
    if missing:
        return _("Bedömningen kan inte fastställas förrän den har: %(missing)s.",
                 missing=", ".join(missing))
    return None


# --- changing ---------------------------------------------------------------------------------


def create_assessment(unit: OrgUnit, year: int, period: AssessmentPeriod,
                      user: User | None = None) -> Assessment:
    """Start a draft; there is one assessment per unit, year and period."""
    if unit.kind not in ASSESSING_KINDS:
        raise AssessmentError(_("En ISK-bedömning görs av en nämnd, förvaltning eller region, "
                                "inte av en enskild enhet."), "org_unit")
    if not 2000 <= year <= 2100:
        raise AssessmentError(_("Ange ett år mellan 2000 och 2100."), "year")
    if year > clock.today().year:
        raise AssessmentError(_("Året %(year)d har inte börjat; det kan inte bedömas ännu.",
                                year=year), "year")
    existing = db.session.scalar(select(Assessment).where(
        Assessment.org_unit_id == unit.id, Assessment.year == year,
        Assessment.period == period))
    if existing is not None:
        if existing.archived_at is None:
            raise AssessmentError(
                _("%(unit)s har redan en ISK-bedömning för %(period)s %(year)d.",
                  unit=unit.name, period=period.label.lower(), year=year), "year")
        existing.archived_at = None  # one per unit, year and period: the draft comes back
        audit_log.record("assessment_restored", existing)
        return existing
    assessment = Assessment(org_unit=unit, year=year, period=period, created_by=user)
    db.session.add(assessment)
    db.session.flush()
    audit_log.record("assessment_created", assessment, org_unit=unit.code, year=year,
                     period=period.value)
    return assessment


def _check_content(content: AssessmentContent) -> AssessmentContent:
    content.tidy()
    for name in ("motivation", *(f"statement_{letter}" for letter in REQUIREMENTS)):
        check_length(getattr(content, name), MAX_TEXT, _("Texten"), name)
    return content


def _reason(assessment: Assessment, reason: str | None) -> str | None:
    if assessment.archived_at is not None:
        raise AssessmentError(_("Bedömningen är arkiverad och kan inte ändras."))
    reason = clean(reason)
    if needs_reason(assessment) and reason is None:
        raise AssessmentError(_("Bedömningen är fastställd. Ange varför den ändras; ändringen "
                                "sparas som en ny version."), "reason")
    return reason


def update_assessment(assessment: Assessment, content: AssessmentContent,
                      expected_version: int | None, reason: str | None = None,
                      user: User | None = None) -> None:
    """Save what the assessment says; after adoption with a reason, as a new version."""
    reason = _reason(assessment, reason)
    check_version(assessment, expected_version)
    _check_content(content)
    if assessment.is_adopted and content.missing():
        raise AssessmentError(_("En fastställd bedömning måste ha %(missing)s.",
                                missing=", ".join(content.missing())))
    before = AssessmentContent.of(assessment)
    if before == content:
        return
    content.apply_to(assessment)
    assessment.updated_at = utcnow()
    flush()
    audit_log.record("assessment_updated", assessment)  # before → after: the audit trail
    if reason is not None:
        record_revision(assessment, reason, user)


def adopt_assessment(assessment: Assessment, adopted_on: date | None, paragraph: str | None,
                     diary_number: str | None, user: User | None = None,
                     expected_version: int | None = None) -> AssessmentRevision:
    """Fastställ: record the decision; version 1 keeps the assessment as it was adopted."""
    check_version(assessment, expected_version)
    refusal = adoption_refusal(assessment)
    if refusal is not None:
        raise AssessmentError(refusal)
    if adopted_on is None:
        raise AssessmentError(_("Ange beslutsdatum."), "adopted_on")
    if adopted_on > clock.today():
        raise AssessmentError(_("Beslutsdatumet kan inte ligga i framtiden."), "adopted_on")
    if adopted_on.year < assessment.year:
        raise AssessmentError(_("Beslutet kan inte vara fattat före året som bedöms, "
                                "%(year)d.", year=assessment.year), "adopted_on")
    paragraph = clean(paragraph)
    if not paragraph:
        raise AssessmentError(_("Ange beslutsparagrafen, till exempel ”SN § 12”."), "paragraph")
    check_length(paragraph, 100, _("Paragrafen"), "paragraph")
    check_length(diary_number, 100, _("Diarienumret"), "diary_number")
    assessment.status = AssessmentStatus.ADOPTED
    assessment.adopted_on = adopted_on
    assessment.adoption_paragraph = paragraph
    assessment.diary_number = clean(diary_number)
    assessment.adopted_by = user or audit_log.current_actor()
    flush()
    audit_log.record("assessment_adopted", assessment, reference=assessment.adoption_reference,
                     judgement=assessment.judgement.value if assessment.judgement else None)
    return record_revision(
        assessment, _("Fastställd (%(reference)s)", reference=assessment.adoption_reference),
        user)


def archive_assessment(assessment: Assessment) -> None:
    """Only a draft is archived; a fastställd assessment is a decision and stays."""
    if assessment.is_adopted:
        raise AssessmentError(_("Bara ett utkast kan arkiveras. En fastställd bedömning är ett "
                                "beslut."))
    assessment.archived_at = utcnow()
    audit_log.record("assessment_archived", assessment)


# --- versions ---------------------------------------------------------------------------------


def current_figures(assessment: Assessment) -> Figures:
    return gather(assessment.org_unit, assessment.year, assessment.period,
                  clock.today()).figures


def snapshot(assessment: Assessment, figures: Figures | None = None) -> dict[str, Any]:
    """What the assessment says now, with its decision and the evidence's key figures."""
    content = AssessmentContent.of(assessment)
    data: dict[str, Any] = {
        name: (value.value if isinstance(value, Judgement) else value)
        for name, value in content.values().items()
    }
    data.update(
        format=SNAPSHOT_FORMAT,
        status=assessment.status.value,
        adopted_on=assessment.adopted_on.isoformat() if assessment.adopted_on else None,
        adoption_paragraph=assessment.adoption_paragraph,
        diary_number=assessment.diary_number,
        improvements=[item.text for item in assessment.live_improvements],
        figures=(figures or current_figures(assessment)).as_dict(),
    )
    return data


def latest_revision(assessment: Assessment) -> AssessmentRevision | None:
    return db.session.scalar(select(AssessmentRevision)
                             .where(AssessmentRevision.assessment_id == assessment.id)
                             .order_by(AssessmentRevision.number.desc()).limit(1))


def record_revision(assessment: Assessment, reason: str, user: User | None = None
                    ) -> AssessmentRevision:
    latest = latest_revision(assessment)
    revision = AssessmentRevision(
        assessment=assessment, number=(latest.number if latest else 0) + 1, reason=reason,
        created_by=user or audit_log.current_actor(), snapshot=snapshot(assessment))
    db.session.add(revision)
    flush()
    audit_log.record("assessment_revision", assessment, number=revision.number, reason=reason)
    return revision


def figures_changed_since_adoption(assessment: Assessment, figures: Figures,
                                   latest: Any = ...) -> list[str]:
    """Key figures that differ from those the latest version was decided on (names);
    `latest` saves its query when the versions are already read."""
    if latest is ...:
        latest = latest_revision(assessment)
    if latest is None:
        return []
    stored = latest.snapshot.get("figures", {})
    return [name for name, value in figures.as_dict().items()
            if name in stored and stored[name] != value]


# --- förbättringsområden -------------------------------------------------------------------------


def add_improvement(assessment: Assessment, text: str, reason: str | None = None,
                    user: User | None = None) -> ImprovementArea:
    """A förbättringsområde for next year; after adoption with a reason, as a new version."""
    reason = _reason(assessment, reason)
    text = (text or "").strip()
    if not text:
        raise AssessmentError(_("Beskriv förbättringsområdet."), "text")
    check_length(text, 4000, _("Förbättringsområdet"), "text")
    item = ImprovementArea(assessment=assessment, text=text,
                           position=len(assessment.improvements))
    db.session.add(item)
    flush()
    audit_log.record("improvement_added", item, assessment=assessment.id, text=text)
    if reason is not None:
        record_revision(assessment, reason, user)
    return item


def archive_improvement(item: ImprovementArea, reason: str | None = None,
                        user: User | None = None) -> None:
    assessment = item.assessment
    reason = _reason(assessment, reason)
    if item.archived_at is not None:
        raise ConflictError(_("Förbättringsområdet är redan borttaget."))
    item.archived_at = utcnow()
    flush()
    audit_log.record("improvement_archived", item, assessment=assessment.id, text=item.text)
    if reason is not None:
        record_revision(assessment, reason, user)

"""The region's own texts: the requirements a–e, the plan's explanations, the SAM indicator.

A region prints these word for word in every nämnd's verksamhetsplan, so ISK keeps them once per
region (RegionText) and prints them verbatim on plans and assessments. A region that has not
entered its own gets the general wording below (DOMAIN.md's), which it can replace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import REQUIREMENTS, OrgUnit, RegionText, RegionTextKey
from . import audit_log, org
from .errors import DomainError, check_version

MAX_TEXT_LENGTH = 4000

DEFAULT_TEXTS = {
    RegionTextKey.REQUIREMENTS_INTRO: _l(
        "Intern styrning och kontroll (ISK) ska säkerställa en ändamålsenlig och lagenlig "
        "verksamhet, det vill säga att verksamheten bedrivs i enlighet med kraven:"),
    RegionTextKey.REQUIREMENT_A: _l(
        "Att verksamheten fullgör sina uppgifter och uppnår beslutade mål och uppdrag."),
    RegionTextKey.REQUIREMENT_B: _l("Att verksamheten bedrivs inom tilldelade ekonomiska ramar."),
    RegionTextKey.REQUIREMENT_C: _l(
        "Att verksamheten följer styrande dokument samt lagar, förordningar och avtal som "
        "gäller för verksamheten."),
    RegionTextKey.REQUIREMENT_D: _l(
        "Att redovisningen och rapporteringen av verksamheten och ekonomin är rättvisande och "
        "ändamålsenlig."),
    RegionTextKey.REQUIREMENT_E: _l(
        "Att informationssäkerheten är tillgodosedd: konfidentialitet, riktighet, "
        "tillgänglighet och spårbarhet."),
    RegionTextKey.SUFFICIENCY: _l(
        "Den interna kontrollen ska vara tillräcklig enligt kommunallagen 6 kap. 6 §. Vid "
        "uppföljningen av helår gör förvaltningar och nämnder en bedömning (ISK-bedömning) av "
        "om den interna styrningen och kontrollen har varit tillräcklig."),
    RegionTextKey.PLAN_INTRO: _l(
        "Internkontrollplanen består dels av regionövergripande risker med åtgärder som berör "
        "samtliga nämnder och dels av nämndspecifika risker med åtgärder."),
    RegionTextKey.PLAN_EXPLANATION: _l(
        "Verksamhet: process eller område. Risk: händelse som, om den inträffar, kan leda till "
        "att verksamheten inte bedrivs i enlighet med krav c, d och e. Åtgärd: hur "
        "verksamheten hanterar de risker som inte accepteras."),
    RegionTextKey.SAM_INDICATOR: _l(
        "Systematiskt arbetsmiljöarbete (SAM). Andel chefer som svarat på årlig uppföljning av "
        "SAM."),
    # The follow-up table's title and headings, as regions' verksamhetsberättelser print them.
    RegionTextKey.FOLLOWUP_TITLE: _l("Uppföljning av internkontroll"),
    RegionTextKey.FOLLOWUP_CONTROL: _l("Genomförd internkontroll"),
    RegionTextKey.FOLLOWUP_METHOD: _l("Kontrollmetod"),
    RegionTextKey.FOLLOWUP_PERFORMED: _l("Utfört (datum, vecka, månad, period)"),
    RegionTextKey.FOLLOWUP_RESULT: _l("Uppföljning/resultat av kontrollen"),
    RegionTextKey.FOLLOWUP_MEASURES: _l("Eventuella åtgärder/ förändringar"),
}
FOLLOWUP_HEADINGS = (RegionTextKey.FOLLOWUP_CONTROL, RegionTextKey.FOLLOWUP_METHOD,
                     RegionTextKey.FOLLOWUP_PERFORMED, RegionTextKey.FOLLOWUP_RESULT,
                     RegionTextKey.FOLLOWUP_MEASURES)

REQUIREMENT_KEYS = {letter: RegionTextKey(f"requirement_{letter}") for letter in REQUIREMENTS}


@dataclass(frozen=True)
class RegionTexts:
    """A region's texts, each the region's own or the general default."""

    texts: Mapping[RegionTextKey, str]
    own: frozenset[RegionTextKey]

    def __getitem__(self, key: RegionTextKey) -> str:
        return self.texts[key]

    def requirement(self, letter: str) -> str:
        return self.texts[REQUIREMENT_KEYS[letter]]

    @property
    def requirements(self) -> list[tuple[str, str]]:
        """(letter, text) for a–e, in order."""
        return [(letter, self.requirement(letter)) for letter in REQUIREMENTS]

    @property
    def followup_headings(self) -> list[str]:
        """The follow-up table's five column headings."""
        return [self.texts[key] for key in FOLLOWUP_HEADINGS]

    @property
    def governance(self) -> list[tuple[str, str]]:
        """Intern styrning: a and b."""
        return self.requirements[:2]

    @property
    def control(self) -> list[tuple[str, str]]:
        """Intern kontroll: c, d and e."""
        return self.requirements[2:]


_CACHE = "isk_region_texts"


def region_texts(unit: OrgUnit) -> RegionTexts:
    """The texts of the region the unit belongs to, in one query, read once per request."""
    region_id = org.region_of(unit)
    cache = g.setdefault(_CACHE, {}) if has_request_context() else {}
    if region_id not in cache:
        stored = {row.key: row.text for row in db.session.scalars(
            select(RegionText).where(RegionText.region_id == region_id))}
        texts = {key: stored.get(key) or str(DEFAULT_TEXTS[key]) for key in RegionTextKey}
        cache[region_id] = RegionTexts(texts, frozenset(stored))
    return cache[region_id]


def stored_texts(region: OrgUnit) -> dict[RegionTextKey, RegionText]:
    return {row.key: row for row in db.session.scalars(
        select(RegionText).where(RegionText.region_id == region.id))}


def save_texts(region: OrgUnit, texts: Mapping[RegionTextKey, str],
               versions: Mapping[RegionTextKey, int | None] | None = None) -> int:
    """Keep the region's own wording and return how many texts changed.

    A text equal to the default is not stored (the region keeps following the default); a
    text someone else changed since the form was opened is refused (409).
    """
    if region.kind.value != "region":
        raise DomainError(_("Texterna hör till en region."))
    existing = stored_texts(region)
    changed = 0
    for key, given in texts.items():
        value = (given or "").strip()
        if not value:
            raise DomainError(_("Texten får inte vara tom."), key.value)
        if len(value) > MAX_TEXT_LENGTH:
            raise DomainError(_("Texten får vara högst %(n)d tecken.", n=MAX_TEXT_LENGTH),
                              key.value)
        row = existing.get(key)
        before = row.text if row is not None else str(DEFAULT_TEXTS[key])
        if row is not None and versions is not None:
            check_version(row, versions.get(key))
        if value == before:
            continue
        if row is None:
            db.session.add(RegionText(region_id=region.id, key=key, text=value))
        else:
            row.text = value
        audit_log.record("region_text_changed", region, key=key.value, before=before,
                         after=value)
        changed += 1
    db.session.flush()
    if has_request_context():
        g.pop(_CACHE, None)  # the request reads the texts anew
    return changed

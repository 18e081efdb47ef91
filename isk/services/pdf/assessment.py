"""The ISK-bedömning as a PDF for the nämnd: "Uppföljning av intern styrning och kontroll <år> –
<nämnd>", judgement and motivation first, then the requirements a–e in the region's own words
with the statement on each, the plan's risks with their åtgärder and control results, the
stickprov, the SAM indicator, what is still open, and the förbättringsområden. The region's
samlad bedömning prints every nämnd's judgement side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, LongTable, Spacer, TableStyle

from ...models import Assessment, RegionTextKey
from ..assessment.evidence import Evidence, Figures, PlanEvidence
from ..assessment.region import RegionOverview
from ..controls.followup import ReportRow
from ..wording import RegionTexts
from .base import HEADER_FILL, LINE, printed_at, render, text

PAGE_WIDTH = 180 * mm  # portrait A4 inside the margins


def _table(header: Sequence[str], body: list[list[Any]], widths: Sequence[float]) -> LongTable:
    data = [[text(cell, "header") for cell in header], *body]
    table = LongTable(data, colWidths=[w * PAGE_WIDTH for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def title_of(assessment: Assessment) -> str:
    return _("Uppföljning av intern styrning och kontroll %(year)d – %(unit)s",
             year=assessment.year, unit=assessment.org_unit.name)


def _decision(assessment: Assessment, revision: int | None) -> str:
    if assessment.is_adopted:
        line = _("%(period)s. Fastställd: %(reference)s", period=assessment.period.label,
                 reference=assessment.adoption_reference)
        if assessment.diary_number:
            line += " · " + _("Diarienummer: %(number)s", number=assessment.diary_number)
    else:
        line = _("%(period)s. Utkast – inte fastställd", period=assessment.period.label)
    if revision is not None:
        line += " · " + _("Version %(n)d", n=revision)
    return line


def _figures_table(figures: Figures) -> LongTable:
    rows = [
        (_("Risker i planen"), figures.risks),
        (_("Risker med högt riskvärde (8–16)"), figures.risks_high),
        (_("Risker utan riskvärde"), figures.risks_unassessed),
        (_("Åtgärder: genomförda av alla"), f"{figures.actions_done} / {figures.actions}"),
        (_("Åtgärder som pågår / planerade / ej genomförda"),
         f"{figures.actions_in_progress} / {figures.actions_planned} / "
         f"{figures.actions_not_done}"),
        (_("Åtgärder försenade"), figures.actions_overdue),
        (_("Kontroller utförda av planerade"),
         f"{figures.controls_performed} / {figures.controls_planned}"),
        (_("Kontroller ej utförda"), figures.controls_not_performed),
        (_("Kontrollutfall med brister"), figures.results_with_findings),
        (_("Stickprov (utvärderade / över tolerabel avvikelse)"),
         f"{figures.samples} ({figures.samples_complete} / {figures.samples_over_tolerable})"),
    ]
    return _table([_("Underlag"), _("Antal")],
                  [[text(label), text(value)] for label, value in rows], (0.75, 0.25))


def _result_lines(rows: list[ReportRow]) -> list[Any]:
    return [text("• " + row.description + ": " + row.line) for row in rows] or [
        text(_("Ingen kontroll under perioden."), "small")]


def _plan_section(plan: PlanEvidence) -> list[Any]:
    story: list[Any] = [text(_("Internkontrollplan %(year)d – %(unit)s",
                               year=plan.plan.year, unit=plan.plan.org_unit.name), "h2")]
    reference = plan.document.adoption_reference
    story.append(text(_("Fastställd: %(reference)s", reference=reference) if reference
                      else _("Planen är inte fastställd."), "small"))
    body: list[list[Any]] = []
    for item in plan.risks:
        risk = item.risk
        score = (_("Riskvärde %(score)d", score=risk.risk_score) if risk.risk_score
                 else _("Riskvärde ej bedömt"))
        what = [text(risk.text, "cell_bold"),
                text(f"{item.area.name} · {score}"
                     + (" · " + _("Regionövergripande") if risk.region_wide else ""), "small")]
        actions = [text("• " + a.text + " – " + a.status.label) for a in risk.actions] or [
            text(_("Ingen åtgärd (risken accepteras)") if risk.is_accepted
                 else _("Ingen åtgärd angiven."), "small")]
        body.append([what, actions, _result_lines(item.rows)])
    if plan.plan_wide:
        body.append([text(_("Kontrollområden (planen som helhet)"), "cell_bold"), "",
                     _result_lines(plan.plan_wide)])
    if body:
        story.append(_table([_("Risk"), _("Åtgärder och status"), _("Kontroller och resultat")],
                            body, (0.34, 0.33, 0.33)))
    else:
        story.append(text(_("Planen har inga risker."), "body"))
    if plan.samples:
        story += [Spacer(1, 3 * mm), text(_("Stickprov"), "h2")]
        rows = []
        for sample in plan.samples:
            evaluation = sample.status.evaluation
            if evaluation is None:
                result = _("%(checked)d av %(total)d poster granskade; inte utvärderat",
                           checked=sample.status.checked, total=sample.status.total)
            else:
                result = _("%(dev)d avvikelser av %(size)d; övre gräns %(upper)s %% "
                           "(tolerabel %(tolerable)s). %(conclusion)s",
                           dev=evaluation.deviations, size=evaluation.size,
                           upper=format_decimal(evaluation.upper_limit),
                           tolerable=format_percent(float(evaluation.tolerable))
                           if evaluation.tolerable is not None else "–",
                           conclusion=evaluation.conclusion)
            rows.append([text(sample.control_description), text(sample.sample.size),
                         text(result)])
        story.append(_table([_("Kontroll"), _("Urval"), _("Utvärdering")], rows,
                            (0.4, 0.1, 0.5)))
    return story


def render_assessment(assessment: Assessment, evidence: Evidence, texts: RegionTexts, *,
                      printed: datetime, printed_by: str | None = None,
                      revision: int | None = None,
                      changed_after: tuple[int, str, str] | None = None) -> bytes:
    title = title_of(assessment)
    story: list[Any] = [text(title, "title"), text(_decision(assessment, revision), "body")]
    if changed_after is not None:
        number, when, reason = changed_after
        story.append(text(_("Ändrad efter fastställande: version %(n)d, %(when)s, %(reason)s",
                            n=number, when=when, reason=reason), "body"))
    story += [Spacer(1, 3 * mm), text(_("Bedömning"), "h2"),
              text(assessment.judgement.label if assessment.judgement
                   else _("Ingen bedömning gjord ännu."), "cell_bold"),
              text(assessment.motivation or _("Motivering saknas."), "body"),
              Spacer(1, 2 * mm), text(texts[RegionTextKey.REQUIREMENTS_INTRO], "body")]
    for heading, group in ((_("Intern styrning"), texts.governance),
                           (_("Intern kontroll"), texts.control)):
        story.append(text(heading, "h2"))
        for letter, requirement in group:
            statement = assessment.statement(letter) or _("Ingen kommentar ännu.")
            story.append(KeepTogether([text(f"{letter}) {requirement}", "cell_bold"),
                                       text(statement, "body"), Spacer(1, 1.5 * mm)]))
    story += [text(_("Underlaget i siffror"), "h2"), _figures_table(evidence.figures)]
    for plan in evidence.plans:
        story += [Spacer(1, 3 * mm), *_plan_section(plan)]
    if not evidence.plans:
        story.append(text(_("%(unit)s har ingen internkontrollplan för %(year)d.",
                            unit=assessment.org_unit.name, year=assessment.year), "body"))
    sam = evidence.sam
    story += [Spacer(1, 3 * mm), text(_("Systematiskt arbetsmiljöarbete (SAM)"), "h2"),
              text(texts[RegionTextKey.SAM_INDICATOR], "body"),
              _table([_("Utfall %(year)d", year=evidence.year), _("Mål %(year)d",
                                                                   year=evidence.year),
                      _("Långsiktigt mål")],
                     [[text(sam.result_text), text(sam.target_text), text(sam.long_term_text)]],
                     (0.34, 0.33, 0.33)),
              text(_("%(ack)d av %(total)d chefer har kvitterat sin uppföljning.",
                     ack=sam.acknowledged, total=sam.total), "small")]
    story += [Spacer(1, 3 * mm), text(_("Öppna punkter"), "h2")]
    if evidence.open_items:
        kinds = {"action": _("Åtgärd"), "control": _("Kontroll ej utförd"),
                 "finding": _("Brist"), "sample": _("Stickprov ej utvärderat")}
        story.append(_table([_("Slag"), _("Vad")],
                            [[text(kinds[item.kind]), text(item.text)]
                             for item in evidence.open_items], (0.25, 0.75)))
    else:
        story.append(text(_("Inga öppna punkter."), "body"))
    story += [Spacer(1, 3 * mm), text(_("Förbättringsområden till nästa år"), "h2")]
    improvements = assessment.live_improvements
    story += [text("• " + item.text, "body") for item in improvements] or [
        text(_("Inga förbättringsområden angivna."), "body")]
    footer = title + " · " + _("Utskriven %(when)s", when=printed_at(printed))
    if printed_by:
        footer += " " + _("av %(who)s", who=printed_by)
    return render(story, title=title, footer=footer, page_label=_("Sida %(page)d av %(pages)d"),
                  landscape_pages=False)


def render_region(overview: RegionOverview, texts: RegionTexts, *, printed: datetime) -> bytes:
    """The region's samlad bedömning with every nämnd's judgement side by side."""
    title = _("Samlad bedömning av intern styrning och kontroll %(year)d – %(region)s",
              year=overview.year, region=overview.region.name)
    own = overview.own
    story: list[Any] = [text(title, "title")]
    if own is not None and own.is_adopted:
        story += [text(_("Fastställd: %(reference)s", reference=own.adoption_reference), "body"),
                  text(_("Regionstyrelsens bedömning"), "h2"),
                  text(own.judgement.label if own.judgement else "", "cell_bold"),
                  text(own.motivation or "", "body")]
    else:
        story.append(text(_("Regionstyrelsens samlade bedömning är inte fastställd."), "body"))
    story += [Spacer(1, 3 * mm), text(_("Nämndernas bedömningar"), "h2")]
    rows = []
    for unit in overview.units:
        judgement = (unit.judgement.label if unit.judgement
                     else _("Ingen fastställd bedömning"))
        figures = unit.figures
        key = _("Åtgärder %(done)d/%(all)d genomförda; kontroller %(performed)d/%(planned)d "
                "utförda; %(findings)d med brister; SAM %(sam)s",
                done=figures.actions_done, all=figures.actions,
                performed=figures.controls_performed, planned=figures.controls_planned,
                findings=figures.results_with_findings, sam=unit.sam.result_text)
        motivation = unit.assessment.motivation if unit.judged and unit.assessment else ""
        rows.append([text(unit.unit.name, "cell_bold"), text(judgement), text(motivation or "–"),
                     text(key, "small")])
    story.append(_table([_("Nämnd"), _("Bedömning"), _("Motivering"), _("Nyckeltal")], rows,
                        (0.18, 0.16, 0.40, 0.26)))
    story += [Spacer(1, 3 * mm), text(texts[RegionTextKey.SUFFICIENCY], "small")]
    return render(story, title=title, footer=title + " · " + _("Utskriven %(when)s",
                                                                when=printed_at(printed)),
                  page_label=_("Sida %(page)d av %(pages)d"), landscape_pages=False)

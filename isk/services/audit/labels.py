"""What the granskningslogg says in Swedish: events, object types, fields and values.

One registry per kind of word. An event code, object type or field without a label shows as
its code (so a new area's entries are readable from the start); a test checks that every
event code recorded in the code base has a label here. Values are shown by what the model's
column is: an enum by its label, a yes/no, a time in Swedish local time.
"""

from __future__ import annotations

import enum
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, Enum
from sqlalchemy.orm import Mapper

from ...extensions import db

# Events by area, in the order the filter lists them.
EVENT_GROUPS: tuple[tuple[Any, dict[str, Any]], ...] = (
    (_l("Inloggning och åtkomst"), {
        "login": _l("Inloggning"),
        "login_failed": _l("Misslyckad inloggning"),
        "account_locked": _l("Konto spärrat efter för många misslyckade inloggningar"),
        "login_throttled": _l("Inloggning bromsad (för många försök)"),
        "logout": _l("Utloggning"),
        "session_expired": _l("Utloggad efter inaktivitet"),
        "password_changed": _l("Lösenord bytt"),
        "password_set_by_link": _l("Lösenord satt med länk"),
        "request_refused": _l("Åtkomst nekad (403)"),
        "csrf_refused": _l("Formulär avvisat (ogiltig CSRF-token)"),
    }),
    (_l("Internkontrollplaner"), {
        "plan_created": _l("Plan skapad"),
        "plan_imported": _l("Plan importerad"),
        "plan_adopted": _l("Plan fastställd"),
        "plan_revision": _l("Ny version av planen"),
        "plan_closed": _l("Plan avslutad"),
        "plan_archived": _l("Plan arkiverad"),
        "plan_restored": _l("Plan återställd"),
        "plan_copied": _l("Plan kopierad till nästa år"),
        "process_area_created": _l("Verksamhet tillagd"),
        "process_area_renamed": _l("Verksamhet omdöpt"),
        "process_area_archived": _l("Verksamhet arkiverad"),
        "risk_created": _l("Risk tillagd"),
        "risk_updated": _l("Risk ändrad"),
        "risk_archived": _l("Risk arkiverad"),
        "risk_restored": _l("Risk återställd"),
        "action_created": _l("Åtgärd tillagd"),
        "action_updated": _l("Åtgärd ändrad"),
        "action_archived": _l("Åtgärd arkiverad"),
    }),
    (_l("Kontroller och stickprov"), {
        "control_created": _l("Kontroll planerad"),
        "control_updated": _l("Kontroll ändrad"),
        "control_archived": _l("Kontroll arkiverad"),
        "control_result_recorded": _l("Kontrollutfall registrerat"),
        "followup_imported": _l("Uppföljningstabell importerad"),
        "control_result_archived": _l("Kontrollutfall arkiverat"),
        "evidence_uploaded": _l("Underlag uppladdat"),
        "sample_drawn": _l("Stickprov draget"),
        "sample_redrawn": _l("Stickprov draget om (omprövning)"),
        "sample_results_recorded": _l("Stickprovsresultat registrerade"),
    }),
    (_l("SAM"), {
        "sam_manager_saved": _l("Chef sparad i chefskedjan"),
        "sam_manager_archived": _l("Chef borttagen ur chefskedjan"),
        "sam_managers_imported": _l("Chefskedjan inläst"),
        "sam_round_started": _l("SAM-runda startad"),
        "sam_questions_changed": _l("SAM-frågor ändrade"),
        "sam_round_closed": _l("SAM-runda avslutad"),
        "sam_answers_saved": _l("SAM-svar sparade"),
        "sam_task_returned": _l("SAM-uppgift returnerad"),
        "sam_return_withdrawn": _l("Returnering återtagen"),
        "sam_follow_up_acknowledged": _l("SAM-uppföljning kvitterad"),
        "sam_follow_up_confirmed": _l("SAM-uppföljning avstämd"),
        "sam_follow_up_sent_back": _l("SAM-uppföljning skickad tillbaka"),
        "sam_return_answered": _l("Returnerad SAM-uppgift besvarad"),
        "sam_reminder_sent": _l("SAM-påminnelse skickad"),
    }),
    (_l("ISK-bedömningar"), {
        "assessment_created": _l("ISK-bedömning påbörjad"),
        "assessment_restored": _l("ISK-bedömning återställd"),
        "assessment_updated": _l("ISK-bedömning ändrad"),
        "assessment_adopted": _l("ISK-bedömning fastställd"),
        "assessment_revision": _l("Ny version av ISK-bedömningen"),
        "assessment_archived": _l("ISK-bedömning arkiverad"),
        "improvement_added": _l("Förbättringsområde tillagt"),
        "improvement_archived": _l("Förbättringsområde borttaget"),
        "improvement_carried": _l("Förbättringsområde infört i nästa års plan"),
        "sam_target_set": _l("Mål för SAM-indikatorn satt"),
    }),
    (_l("Användare och organisation"), {
        "region_text_changed": _l("Regionens text ändrad"),
        "user_created": _l("Användare skapad"),
        "user_invited": _l("Användare inbjuden"),
        "user_updated": _l("Användare ändrad"),
        "user_deactivated": _l("Användare inaktiverad"),
        "user_reactivated": _l("Användare aktiverad igen"),
        "user_unlocked": _l("Spärrat konto upplåst"),
        "password_link_created": _l("Lösenordslänk skickad"),
        "org_unit_created": _l("Enhet skapad"),
        "org_unit_renamed": _l("Enhet omdöpt"),
        "org_unit_moved": _l("Enhet flyttad"),
        "org_unit_archived": _l("Enhet arkiverad"),
        "org_unit_restored": _l("Enhet återställd"),
        "data_generated": _l("Genererad region inläst"),
    }),
    (_l("Export och nedladdning"), {
        "plan_exported": _l("Plan exporterad"),
        "followup_exported": _l("Uppföljningsrapport exporterad"),
        "sam_overview_exported": _l("SAM-översikt exporterad"),
        "sample_worklist_exported": _l("Stickprovets arbetslista hämtad"),
        "population_downloaded": _l("Populationsfil hämtad"),
        "evidence_downloaded": _l("Underlag hämtat"),
        "audit_log_exported": _l("Granskningsloggen exporterad"),
    }),
    (_l("Granskningsloggen"), {
        "audit_log_verified": _l("Loggens integritet kontrollerad"),
    }),
)
EVENT_LABELS: dict[str, Any] = {
    code: label for _group, events in EVENT_GROUPS for code, label in events.items()
}

OBJECT_LABELS: dict[str, Any] = {
    "Plan": _l("Internkontrollplan"),
    "PlanRevision": _l("Planversion"),
    "ProcessArea": _l("Verksamhet"),
    "Risk": _l("Risk"),
    "Action": _l("Åtgärd"),
    "Control": _l("Kontroll"),
    "ControlResult": _l("Kontrollutfall"),
    "EvidenceFile": _l("Underlag"),
    "Sample": _l("Stickprov"),
    "SampleItem": _l("Stickprovspost"),
    "SamRound": _l("SAM-runda"),
    "SamQuestion": _l("SAM-fråga"),
    "SamFollowUp": _l("SAM-uppföljning"),
    "SamAnswer": _l("SAM-svar"),
    "SamReturn": _l("Returnerad SAM-uppgift"),
    "SamReminder": _l("SAM-påminnelse"),
    "ManagerAssignment": _l("Chef i chefskedjan"),
    "ManagerUnit": _l("Chefs enhet"),
    "Assessment": _l("ISK-bedömning"),
    "AssessmentRevision": _l("Version av ISK-bedömning"),
    "ImprovementArea": _l("Förbättringsområde"),
    "RegionText": _l("Regionens text"),
    "SamIndicatorTarget": _l("Mål för SAM-indikatorn"),
    "User": _l("Användare"),
    "PasswordLink": _l("Lösenordslänk"),
    "OrgUnit": _l("Enhet"),
}

# Model fields and the details services record, by name (the same name means the same thing).
FIELD_LABELS: dict[str, Any] = {
    "assessment": _l("ISK-bedömning"),
    "assessment_id": _l("ISK-bedömning (id)"),
    "carried_action_id": _l("Införd som åtgärd (id)"),
    "carried_at": _l("Införd i nästa års plan"),
    "carried_risk_id": _l("Införd som risk (id)"),
    "delegating_assignment_id": _l("Fördelande chef (id)"),
    "fields": _l("Ändrade uppgifter"),
    "long_term_max": _l("Långsiktigt mål till (%)"),
    "long_term_min": _l("Långsiktigt mål från (%)"),
    "manager": _l("Chef"),
    "manager_id": _l("Chef (id)"),
    "motivation": _l("Motivering"),
    "sam_indicator": _l("Följs upp med SAM-indikatorn"),
    "statement_a": _l("Kommentar till krav a"),
    "statement_b": _l("Kommentar till krav b"),
    "statement_c": _l("Kommentar till krav c"),
    "statement_d": _l("Kommentar till krav d"),
    "statement_e": _l("Kommentar till krav e"),
    "target_max": _l("Mål till (%)"),
    "target_min": _l("Mål från (%)"),
    "acceptance_reason": _l("Motivering"),
    "accepted_by": _l("Beslutad av"),
    "accepted_on": _l("Beslutsdatum"),
    "acknowledged_at": _l("Kvitterad"),
    "acknowledged_by_id": _l("Kvitterad av"),
    "action_id": _l("Åtgärd (id)"),
    "actions": _l("Åtgärder"),
    "active": _l("Aktiv"),
    "adopted_on": _l("Fastställd datum"),
    "adoption_paragraph": _l("Paragraf"),
    "after": _l("Efter"),
    "algorithm": _l("Urvalsmetod"),
    "amount_column": _l("Beloppskolumn"),
    "answered_at": _l("Besvarad"),
    "answers": _l("Svar"),
    "archived_at": _l("Arkiverad"),
    "area": _l("Verksamhet"),
    "band_edges": _l("Beloppsgränser"),
    "before": _l("Före"),
    "bytes": _l("Storlek (byte)"),
    "changed": _l("Ändrade poster"),
    "checked": _l("Kontrollerade poster"),
    "checked_at": _l("Granskad"),
    "checked_by_id": _l("Granskad av"),
    "checksum": _l("Kontrollsumma"),
    "chef": _l("Chef"),
    "chef_id": _l("Chef"),
        "closed_at": _l("Avslutad"),
    "code": _l("Kod"),
    "columns": _l("Kolumner"),
    "comment": _l("Kommentar"),
    "confirmed_at": _l("Avstämd"),
    "confirmed_by_id": _l("Avstämd av"),
    "consequence": _l("Konsekvens"),
    "content_type": _l("Filtyp"),
    "control": _l("Kontroll (id)"),
    "control_id": _l("Kontroll (id)"),
    "control_result": _l("Kontrollutfall (id)"),
    "control_result_id": _l("Kontrollutfall (id)"),
    "created": _l("Nya"),
    "created_by_id": _l("Skapad av"),
    "criterion_c": _l("Kriterium c"),
    "criterion_d": _l("Kriterium d"),
    "criterion_e": _l("Kriterium e"),
    "delegating_manager": _l("Fördelande chef"),
    "delegating_manager_id": _l("Fördelande chef (id)"),
    "description": _l("Beskrivning"),
    "diary_number": _l("Diarienummer"),
    "due_date": _l("Klar senast"),
    "due_on": _l("Sista dag"),
    "email": _l("E-postadress"),
    "expires_at": _l("Gäller till"),
    "first_password": _l("Första lösenordet"),
    "purpose": _l("Syfte"),
    "response": _l("Svar"),
    "responded_at": _l("Besvarad"),
    "responded_by_id": _l("Besvarad av"),
    "used_at": _l("Använd"),
    "endpoint": _l("Sida"),
    "entry_id": _l("Senaste post"),
    "entry_hash": _l("Kontrollsumma för senaste post"),
    "expected": _l("Förväntad avvikelsefrekvens"),
    "failed_logins": _l("Misslyckade inloggningar i rad"),
    "file": _l("Fil"),
    "filters": _l("Filter"),
    "follow_up": _l("Uppföljning"),
    "follow_up_id": _l("SAM-uppföljning (id)"),
    "follow_ups": _l("Uppföljningar"),
    "format": _l("Format"),
    "http_method": _l("HTTP-metod"),
    "via": _l("Via"),
    "full_review_count": _l("Totalgranskade poster"),
    "id_column": _l("Id-kolumn"),
    "identical": _l("Samma poster"),
    "item_id": _l("Post"),
    "kind": _l("Typ"),
    "likelihood": _l("Sannolikhet"),
    "locked_until": _l("Spärrad till"),
    "method": _l("Kontrollmetod"),
    "name": _l("Namn"),
    "number": _l("Versionsnummer"),
    "org_unit": _l("Enhet"),
    "org_unit_id": _l("Enhet"),
    "original_name": _l("Filnamn"),
    "outcome": _l("Resultat"),
    "owner_id": _l("Riskägare"),
    "parent_id": _l("Överordnad enhet"),
    "path": _l("Adress"),
    "performed_on": _l("Utförd datum"),
    "occurrences": _l("Planerade tillfällen"),
    "method_text": _l("Kontrollmetod (text)"),
    "performed": _l("Utförd"),
    "performed_start": _l("Utförd från"),
    "performed_end": _l("Utförd till"),
    "result_text": _l("Uppföljning/resultat"),
    "category": _l("Resultatkategori"),
    "remediation": _l("Eventuella åtgärder"),
    "remediation_status": _l("Åtgärdernas status"),
    "performed_text": _l("Utfört"),
    "limit": _l("Gränsvärde"),
    "scope": _l("Gräns"),
    "minutes": _l("Minuter"),
    "layout": _l("Utskrift"),
    "controls": _l("Nya kontroller"),
    "unchanged": _l("Oförändrade rader"),
    "period": _l("Period"),
    "plan": _l("Plan (id)"),
    "plan_id": _l("Plan (id)"),
    "population_checksum": _l("Populationens kontrollsumma"),
    "population_description": _l("Population"),
    "population_file_name": _l("Populationsfil"),
    "population_file_size": _l("Populationsfilens storlek (byte)"),
    "population_format": _l("Populationsfilens format"),
    "position": _l("Ordning"),
    "process_area_id": _l("Verksamhet (id)"),
    "questions": _l("Frågor"),
    "reason": _l("Orsak"),
    "recipient": _l("Mottagare"),
    "recorded_at": _l("Registrerad"),
    "reference": _l("Beslut"),
    "region_wide": _l("Regionövergripande"),
    "responsible": _l("Ansvarig"),
    "responsible_id": _l("Ansvarig"),
    "recorded_by_id": _l("Registrerad av"),
    "result": _l("Resultat"),
    "results_changed_at": _l("Resultat ändrade"),
    "return_id": _l("Returnering (id)"),
    "returns": _l("Returneringar"),
    "revision": _l("Version"),
    "risk": _l("Risk"),
    "risk_id": _l("Risk (id)"),
    "risks": _l("Risker"),
    "role": _l("Roll"),
    "round_id": _l("SAM-runda (id)"),
    "row_count": _l("Poster i populationen"),
    "rows": _l("Rader"),
    "sample": _l("Stickprov (id)"),
    "sample_id": _l("Stickprov (id)"),
    "schedule_kind": _l("När"),
    "schedule_month": _l("Månad"),
    "schedule_tertial": _l("Tertial"),
    "scheduled_on": _l("Datum"),
    "seed": _l("Frö"),
    "sent_at": _l("Skickad"),
    "sent_back_at": _l("Skickad tillbaka"),
    "sent_back_by_id": _l("Skickad tillbaka av"),
    "sent_back_comment": _l("Kommentar vid återsändning"),
    "sha256": _l("Kontrollsumma (SHA-256)"),
    "size": _l("Storlek"),
    "size_method": _l("Storlek bestämd"),
    "size_reason": _l("Motivering av storleken"),
    "source": _l("Källa"),
    "source_plan": _l("Kopierad från plan (id)"),
    "spec": _l("Urvalets inställningar"),
    "strata": _l("Strata"),
    "strata_column": _l("Stratifierad efter kolumn"),
    "started_at": _l("Startad"),
    "started_by_id": _l("Startad av"),
    "status": _l("Status"),
    "stored_name": _l("Lagrat filnamn"),
    "target": _l("Verifierar"),
    "task": _l("Uppgift"),
    "text": _l("Text"),
    "threshold": _l("Totalgranskning från belopp"),
    "threatens_availability": _l("Hotar tillgänglighet"),
    "threatens_confidentiality": _l("Hotar konfidentialitet"),
    "threatens_integrity": _l("Hotar riktighet"),
    "threatens_traceability": _l("Hotar spårbarhet"),
    "tolerable": _l("Tolerabel avvikelsefrekvens"),
    "tolerated_deviations": _l("Tolererade avvikelser"),
    "treatment": _l("Hantering"),
    "units": _l("Enheter"),
    "updated": _l("Ändrade"),
    "uploaded_by_id": _l("Uppladdad av"),
    "user_id": _l("Användare"),
    "verified": _l("Kontrollsumman stämmer"),
    "whole": _l("Loggen hel"),
    "year": _l("År"),
}

# Codes services record as detail values (why a login failed, why a session ended).
VALUE_LABELS: dict[str, Any] = {
    "unknown_user": _l("okänd e-postadress"),
    "wrong_password": _l("fel lösenord"),
    "locked": _l("inloggningen spärrad"),
    "inactive": _l("kontot inaktiverat"),
    "idle": _l("inaktiv för länge"),
    "invitation": _l("inbjudan"),
    "reset": _l("ny lösenordslänk"),
    # Stickprov values recorded as details, where no column says which enum they are.
    "statistical": _l("statistiskt beräknad"),
    "judgement": _l("efter bedömning"),
    "random": _l("slumpmässigt vald"),
    "full_review": _l("totalgranskning"),
    "ok": _l("OK"),
    "deviation": _l("Avvikelse"),
    # A control's occurrences (services/controls/periods.py).
    "namnd": _l("för nämnden"),
    "address": _l("per adress"),
    "account": _l("per konto"),
    "arbete": _l("arbetsversion"),
    "delar": _l("delår"),
    "helar": _l("helår"),
}


def event_label(code: str) -> str:
    label = EVENT_LABELS.get(code)
    return str(label) if label is not None else code


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


@cache
def mapper_for(object_type: str | None) -> Mapper[Any] | None:
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == object_type:
            return mapper
    return None


def show_value(value: Any, object_type: str | None = None, name: str | None = None) -> str:
    """A recorded value as the log shows it; the model's column says how."""
    if value is None or value == "":
        return "–"
    column = None
    mapper = mapper_for(object_type)
    if mapper is not None and name in mapper.columns:
        column = mapper.columns[name]
    if isinstance(value, bool) or (column is not None and isinstance(column.type, Boolean)):
        return _("ja") if value else _("nej")
    if column is not None and isinstance(column.type, Enum) and column.type.enum_class:
        return _enum_label(column.type.enum_class, value)
    if isinstance(value, str) and (
        (column is not None and isinstance(column.type, DateTime)) or _looks_like_time(value)
    ):
        try:
            return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm:ss")
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(show_value(item) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))}: {show_value(v)}" for k, v in value.items())
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def _enum_label(enum_class: type[enum.Enum], value: Any) -> str:
    try:
        member = enum_class(value)
    except ValueError:
        return str(value)
    label = getattr(member, "label", None)
    if label is None:
        label = VALUE_LABELS.get(member.value, member.value)
    return str(label)


def _looks_like_time(text: str) -> bool:
    """UTC times as `changes.jsonable` writes them: 2026-03-15T10:00:00+00:00."""
    return len(text) >= 25 and text[10:11] == "T" and text.endswith("+00:00")

"""The IK-plan as a table file (CSV and XLSX): the columns, reading and writing cells safely.

The first four columns are the seed layout (`verksamhet,risk,atgard,regionovergripande`);
the rest carry what ISK adds, so that importing an export gives the same plan.
"""

from __future__ import annotations

SEED_COLUMNS = ("verksamhet", "risk", "atgard", "regionovergripande")
EXTRA_COLUMNS = (
    "kriterier",
    "informationssakerhet",
    "sannolikhet",
    "konsekvens",
    "hantering",
    "accepterad_av",
    "accepterad_datum",
    "motivering",
    "kalla",
    "riskagare",
    "atgard_ansvarig",
    "atgard_klar_senast",
    "atgard_status",
)
ALL_COLUMNS = SEED_COLUMNS + EXTRA_COLUMNS
REQUIRED_COLUMNS = ("verksamhet", "risk", "atgard")

# Headings people use in Word and Excel, mapped to our column names.
HEADER_ALIASES = {
    "åtgärd": "atgard",
    "åtgärder": "atgard",
    "regionövergripande": "regionovergripande",
    "kriterium": "kriterier",
    "informationssäkerhet": "informationssakerhet",
    "källa": "kalla",
    "riskägare": "riskagare",
    "åtgärd_ansvarig": "atgard_ansvarig",
    "ansvarig": "atgard_ansvarig",
    "klar_senast": "atgard_klar_senast",
    "status": "atgard_status",
}

YES = "ja"
NO = "nej"
TREATMENT_WORDS = {"mitigate": "åtgärdas", "accept": "accepteras"}
ASPECT_WORDS = {
    "confidentiality": "konfidentialitet",
    "integrity": "riktighet",
    "availability": "tillgänglighet",
    "traceability": "spårbarhet",
}
STATUS_WORDS = {
    "planned": "planerad",
    "in_progress": "pågår",
    "done": "genomförd",
    "not_done": "ej genomförd",
}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv(value: str) -> str:
    """Prefix a quote so a spreadsheet shows the text instead of running it.

    A leading quote is escaped the same way, so that `unneutralise_csv` restores any text.
    """
    if value.startswith(FORMULA_STARTS) or value.startswith("'"):
        return "'" + value
    return value


def unneutralise_csv(value: str) -> str:
    if value.startswith("'") and value[1:].startswith((*FORMULA_STARTS, "'")):
        return value[1:]
    return value


def normalise_header(name: object) -> str:
    key = str(name or "").strip().lower().replace(" ", "_").replace("-", "_")
    key = HEADER_ALIASES.get(key, key)
    return key.replace("å", "a").replace("ä", "a").replace("ö", "o")

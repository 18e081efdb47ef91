"""The IK-plan as a table file (CSV and XLSX): its columns and the words in its cells.

The first four columns are the seed layout (`verksamhet,risk,atgard,regionovergripande`);
the rest carry what ISK adds, so that importing an export gives the same plan. Cells are read
and written safely by `services.spreadsheets`.
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


def normalise_header(name: object) -> str:
    key = str(name or "").strip().lower().replace(" ", "_").replace("-", "_")
    key = HEADER_ALIASES.get(key, key)
    return key.replace("å", "a").replace("ä", "a").replace("ö", "o")

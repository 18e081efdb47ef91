"""Swedish words for search: the Snowball Swedish stemmer and the stop words.

PostgreSQL stems with its `swedish` text search configuration (Snowball). SQLite's FTS5 has
no Swedish stemmer, so on SQLite a query word is stemmed here, by the same algorithm, and
matched as a prefix: "fakturorna" finds "faktura", "fakturor" and "fakturan" on both.
"""

from __future__ import annotations

VOWELS = frozenset("aeiouyäåö")
S_ENDINGS = frozenset("bcdfghjklmnoprtvy")
# Step 1 suffixes, longest first so that the longest match wins.
_STEP1 = (
    "a arna erna heterna orna ad e ade ande arne are aste en anden aren heten ern ar er "
    "heter or as arnas ernas ornas es ades andes ens arens hetens erns at andet het ast"
)
STEP1_SUFFIXES = tuple(sorted(_STEP1.split(), key=len, reverse=True))
STEP2_SUFFIXES = ("dd", "gd", "nn", "dt", "gt", "kt", "tt")

# Snowball's Swedish stop word list (PostgreSQL's `swedish` configuration drops the same).
_STOP_WORDS = """
och det att i en jag hon som han på den med var sig för så till är men ett om hade de av
icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde
något från ut när efter upp vi dem vara vad över än dig kan sina här ha mot alla under
någon eller allt mycket sedan ju denna själv detta åt utan varit hur ingen mitt ni bli
blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom mellan
sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era
vilkas
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def _r1(word: str) -> int:
    """Where region R1 starts: after the first non-vowel that follows a vowel, at least 3."""
    for index in range(1, len(word)):
        if word[index] not in VOWELS and word[index - 1] in VOWELS:
            return max(index + 1, 3)
    return len(word)


def stem(word: str) -> str:
    """The Snowball Swedish stem of a lower-case word."""
    r1 = _r1(word)
    region = word[r1:]
    for suffix in STEP1_SUFFIXES:
        if region.endswith(suffix):
            word = word[: -len(suffix)]
            break
    else:
        if region.endswith("s") and len(word) > 1 and word[-2] in S_ENDINGS:
            word = word[:-1]
    region = word[r1:]
    if region.endswith(STEP2_SUFFIXES):
        word = word[:-1]
    region = word[r1:]
    if region.endswith("fullt"):
        return word[:-1]
    if region.endswith("löst"):
        return word[:-1]
    for suffix in ("lig", "els", "ig"):
        if region.endswith(suffix):
            return word[: -len(suffix)]
    return word

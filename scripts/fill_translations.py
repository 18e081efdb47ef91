"""Fill missing English translations in the catalogue from a Python dict file (a developer aid).

Usage: python scripts/fill_translations.py TRANSLATIONS.py
The file defines T = {swedish_msgid: english} and, for plural entries,
P = {(singular, plural): (english_singular, english_plural)}. Existing translations are kept;
the script prints the msgids that are still untranslated.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "isk/translations/en/LC_MESSAGES/messages.po"


def _missing(message) -> bool:
    if isinstance(message.string, tuple):
        return not all(message.string)
    return not message.string


def main(path: str) -> int:
    data = runpy.run_path(path)
    singles, plurals = data.get("T", {}), data.get("P", {})
    with open(PO, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id or not _missing(message):
            continue
        if isinstance(message.id, tuple) and tuple(message.id) in plurals:
            message.string = plurals[tuple(message.id)]
        elif isinstance(message.id, str) and message.id in singles:
            message.string = singles[message.id]
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    missing = [m.id for m in catalog if m.id and _missing(m)]
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

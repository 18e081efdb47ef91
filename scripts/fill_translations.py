"""Fill missing English translations in the catalogue from a Python dict file (a developer aid).

Usage: python scripts/fill_translations.py TRANSLATIONS.py
The file defines T = {swedish_msgid: english}. Existing translations are kept; the script
prints the msgids that are still untranslated.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "isk/translations/en/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    translations = runpy.run_path(path)["T"]
    with open(PO, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if message.id and not message.string and message.id in translations:
            message.string = translations[message.id]
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

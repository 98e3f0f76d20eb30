"""Fill the French catalogue's plural entries from their msgids (`make extract-messages`).

French is the source language: a French msgid needs no translation, and gettext falls back to
it. Plurals are the exception: without a French entry, gettext's fallback picks the plural for
every n but 1 (« 0 dossiers »), where French says « 0 dossier » (plural only from 2). Filling
msgstr[0]/msgstr[1] with the msgid and msgid_plural lets the catalogue's `plural=(n > 1)` rule
choose.
"""

import sys

from babel.messages.pofile import read_po, write_po


def fill_plurals(path: str) -> int:
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="fr")
    filled = 0
    for message in catalog:
        if message.pluralizable and not any(message.string):
            message.string = (message.id[0], message.id[1])
            filled += 1
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=100)
    return filled


if __name__ == "__main__":
    print(f"{fill_plurals(sys.argv[1])} French plural entries filled from their msgids.")

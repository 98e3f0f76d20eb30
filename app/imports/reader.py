"""Reading French spreadsheet exports (CSV) and parsing their cells.

Everything here is independent of the database: bytes in, rows of stripped strings out,
with the physical line number each row starts on (header = line 1). Cell parsers raise
`CellError` with a French reason; `app.imports.base.Row` turns those into row errors.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, time

from email_validator import EmailNotValidError, validate_email

from app.core.text import fold

# Signatures of common binary formats people upload by mistake (xlsx/ods are zip files).
_BINARY_SIGNATURES = (
    b"PK\x03\x04",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"%PDF",
    b"\xd0\xcf\x11\xe0",  # legacy .xls / .doc
)
_BOM = "\ufeff"


class ImportFileError(Exception):
    """The file cannot be read at all (not a CSV, undecodable, missing required column…)."""


class CellError(ValueError):
    """A cell's value is invalid; the message is the French reason shown to the user."""


def fold_key(value: str | None) -> str:
    """Fold a header or name for matching: no case, accents, spaces, underscores or hyphens.

    'Code Postal ' / 'code_postal' / 'CODE-POSTAL' -> 'codepostal'.
    """
    return re.sub(r"[^0-9a-z]", "", fold(value))


def decode(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else Windows-1252; refuse binary files."""
    if not data or not data.strip():
        raise ImportFileError("Le fichier est vide.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(
            "Ce fichier est encodé en UTF-16 (« Texte Unicode ») : enregistrez-le au format "
            "« CSV UTF-8 (délimité par des virgules) » ou « CSV (séparateur : point-virgule) »."
        )
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data:
        raise ImportFileError(
            "Ce fichier n'est pas un fichier CSV (contenu binaire). "
            "Enregistrez votre tableur au format « CSV (séparateur : point-virgule) »."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "Encodage du fichier non reconnu : enregistrez-le en UTF-8 ou en Windows-1252."
            ) from exc
    if text.startswith(_BOM):
        text = text[1:]
    # Control characters other than tab and line breaks do not occur in a spreadsheet export.
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n\f")
    if controls > max(5, len(text) // 100):
        raise ImportFileError("Ce fichier n'est pas un fichier CSV (caractères de contrôle).")
    return text


def _first_line(text: str) -> str:
    """The header line, up to the first line break outside quotes."""
    in_quotes = False
    for index, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            return text[:index]
    return text


def detect_delimiter(text: str) -> str:
    """`;` or `,`, whichever occurs more in the header line outside quotes (`;` on a tie)."""
    header = re.sub(r'"[^"]*"', "", _first_line(text))
    return "," if header.count(",") > header.count(";") else ";"


@dataclass
class RawRow:
    line: int  # physical line the row starts on (header = line 1)
    cells: list[str]


@dataclass
class CsvTable:
    headers: list[str]
    rows: list[RawRow] = field(default_factory=list)
    delimiter: str = ";"


def read_csv(data: bytes) -> CsvTable:
    """Parse CSV bytes into a header and rows; blank rows are skipped."""
    text = decode(data)
    # Excel may write a first line "sep=;" naming the delimiter; the header follows it.
    sep = re.match(r"sep=([;,])\r?\n", text)
    delimiter = sep.group(1) if sep else detect_delimiter(text)
    stream = io.StringIO(text, newline="")
    if sep:
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', strict=False)
    try:
        headers = next(reader)
    except StopIteration as exc:
        raise ImportFileError("Le fichier est vide.") from exc
    except csv.Error as exc:
        raise ImportFileError(f"Le fichier CSV est mal formé : {exc}") from exc
    headers = [clean(h) for h in headers]
    if not any(headers):
        raise ImportFileError("La première ligne doit contenir les noms des colonnes.")
    table = CsvTable(headers=headers, delimiter=delimiter)
    previous_end = reader.line_num + (1 if sep else 0)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(
                f"Le fichier CSV est mal formé vers la ligne {reader.line_num} : {exc}"
            ) from exc
        start = previous_end + 1
        previous_end = reader.line_num + (1 if sep else 0)
        cells = [clean(c) for c in cells]
        if any(cells):
            table.rows.append(RawRow(line=start, cells=cells))
    return table


def clean(value: str | None) -> str:
    """Strip spaces (including non-breaking ones) around a cell."""
    return (value or "").replace("\u00a0", " ").replace("\u202f", " ").strip()


# --- Cell parsers: value (already stripped, non-empty) -> Python value, or CellError ---------

# Spreadsheets sometimes export a date cell with a midnight time: "14/03/2026 00:00".
_MIDNIGHT = r"(?:[ T]00:00(?::00)?)?"
_DATE_FR = re.compile(rf"^(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){_MIDNIGHT}$")
_DATE_ISO = re.compile(rf"^(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_MIDNIGHT}$")
_TIME = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?$")


def parse_date(value: str) -> date:
    """JJ/MM/AAAA (or J/M/AAAA) or AAAA-MM-JJ."""
    if match := _DATE_FR.match(value):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.match(value):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise CellError(f"date invalide « {value} » (attendu JJ/MM/AAAA ou AAAA-MM-JJ)")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise CellError(f"date inexistante « {value} »") from exc


def parse_time(value: str) -> time:
    """HH:MM or HHhMM (also 9h, 9h30)."""
    match = _TIME.match(value)
    if not match:
        raise CellError(f"heure invalide « {value} » (attendu HH:MM ou HHhMM)")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise CellError(f"heure inexistante « {value} »")
    return time(hour, minute)


_TRUE = {"oui", "o", "vrai", "1", "x", "yes", "y", "true"}
_FALSE = {"non", "n", "faux", "0", "", "no", "false"}


def parse_bool(value: str) -> bool:
    """oui/non, vrai/faux, 1/0, x/empty."""
    key = fold(value)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(f"valeur « {value} » non reconnue (attendu oui ou non)")


def parse_int(value: str, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        number = int(value.replace(" ", ""))
    except ValueError as exc:
        raise CellError(f"nombre entier attendu, pas « {value} »") from exc
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise CellError(f"valeur « {value} » hors de l'intervalle {minimum}–{maximum}")
    return number


def parse_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise CellError("adresse invalide") from exc
    return value.strip().lower()


def parse_postal_code(value: str) -> str:
    """Five digits; a four-digit code lost its leading zero in a spreadsheet (1000 -> 01000)."""
    code = value.replace(" ", "")
    if re.fullmatch(r"\d{4}", code):
        code = "0" + code
    if not re.fullmatch(r"\d{5}", code):
        raise CellError(f"code postal invalide « {value} » (5 chiffres attendus)")
    return code


def split_list(value: str) -> list[str]:
    """Split a list cell on `|` or `,`, dropping empty items."""
    return [item.strip() for item in re.split(r"[|,]", value) if item.strip()]


def match_choice(value: str, choices: dict[str, str], what: str) -> str:
    """Match `value` folded against {folded label: code}; CellError listing the choices."""
    code = choices.get(fold_key(value))
    if code is None:
        allowed = ", ".join(sorted(set(choices.values())))
        raise CellError(f"{what} inconnu « {value} » (valeurs possibles : {allowed})")
    return code

"""Reading rules of formats/imports.md, on bytes built in the tests."""

from datetime import date, time

import pytest

from app.imports.importers import match_role, parse_siret
from app.imports.reader import (
    CellError,
    ImportFileError,
    decode,
    detect_delimiter,
    fold_key,
    parse_bool,
    parse_date,
    parse_postal_code,
    parse_time,
    read_csv,
    split_list,
)


def test_windows_1252_with_accents_is_decoded():
    data = "nom;prénom\nLe Hénaff;Élodie\n".encode("cp1252")
    assert decode(data) == "nom;prénom\nLe Hénaff;Élodie\n"


def test_utf8_with_and_without_bom():
    assert decode("\ufeffnom;prénom\n".encode()) == "nom;prénom\n"
    assert decode("nom;prénom\n".encode()) == "nom;prénom\n"
    table = read_csv(b"\xef\xbb\xbfNom;Pr\xc3\xa9nom\nA;B\n")
    assert table.headers == ["Nom", "Prénom"]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"  \n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00\x06\x00",
        b"nom;prenom\nA;B\x00\n",
        b"%PDF-1.7\n",
        bytes(range(1, 31)) * 20,
    ],
)
def test_binary_or_empty_files_are_refused(data):
    with pytest.raises(ImportFileError):
        read_csv(data)


def test_undecodable_bytes_are_refused():
    # 0x81 is neither UTF-8 nor defined in Windows-1252.
    with pytest.raises(ImportFileError, match="Encodage"):
        decode(b"nom;prenom\nA\x81;B\n")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("nom;prenom;email\n", ";"),
        ("nom,prenom,email\n", ","),
        ('"Dupont, Jean";prenom\n', ";"),
        ('nom,"prénom; usuel",email\n', ","),
        ("nom\n", ";"),
    ],
)
def test_delimiter_detection(text, delimiter):
    assert detect_delimiter(text) == delimiter


def test_quoted_fields_hold_delimiters_and_newlines_and_lines_are_physical():
    data = b'nom;prenom;situation\nA;B;"un; deux"\nC;D;"ligne 1\nligne 2"\n\nE;F;\n'
    table = read_csv(data)
    assert [r.line for r in table.rows] == [2, 3, 6]
    assert table.rows[0].cells == ["A", "B", "un; deux"]
    assert table.rows[1].cells == ["C", "D", "ligne 1\nligne 2"]


def test_crlf_line_numbers():
    table = read_csv(b'nom;prenom\r\nA;"B\r\nB"\r\nC;D\r\n')
    assert [r.line for r in table.rows] == [2, 4]


@pytest.mark.parametrize("header", ["Prénom", "PRENOM", "prenom", " Prénom ", "pré_nom", "PRÉ-NOM"])
def test_header_folding(header):
    assert fold_key(header) == "prenom"


def test_header_folding_spaces_and_underscores():
    assert fold_key(" Code Postal ") == fold_key("code_postal") == fold_key("CODE-POSTAL") == "codepostal"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14/03/2026", date(2026, 3, 14)),
        ("2026-03-14", date(2026, 3, 14)),
        ("4/3/2026", date(2026, 3, 4)),
        ("29/02/2024", date(2024, 2, 29)),
        ("14/03/2026 00:00", date(2026, 3, 14)),
        ("2026-03-14 00:00:00", date(2026, 3, 14)),
    ],
)
def test_dates(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    ["14/03/26", "2026/03/14", "31/02/2026", "mars 2026", "14-03-2026", "45/01/2026", "14/03/2026 10:30"],
)
def test_bad_dates(value):
    with pytest.raises(CellError):
        parse_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("09:30", time(9, 30)), ("9h30", time(9, 30)), ("14H05", time(14, 5)), ("9h", time(9))],
)
def test_times(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize("value", ["25:00", "9.30", "midi", "12:60"])
def test_bad_times(value):
    with pytest.raises(CellError):
        parse_time(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("oui", True),
        ("OUI", True),
        ("Vrai", True),
        ("1", True),
        ("x", True),
        ("X", True),
        ("non", False),
        ("faux", False),
        ("0", False),
        ("", False),
    ],
)
def test_booleans(value, expected):
    assert parse_bool(value) is expected


def test_bad_boolean():
    with pytest.raises(CellError, match="oui ou non"):
        parse_bool("peut-être")


def test_lists_split_on_pipe_or_comma():
    assert split_list("Cadre juridique | Communication") == ["Cadre juridique", "Communication"]
    assert split_list("Cadre juridique,Communication,") == ["Cadre juridique", "Communication"]


def test_postal_code_regains_its_leading_zero():
    assert parse_postal_code("1000") == "01000"
    assert parse_postal_code("35 600") == "35600"
    for bad in ("356", "ABCDE", "356000"):
        with pytest.raises(CellError):
            parse_postal_code(bad)


@pytest.mark.parametrize("value", ["73282932000074", "732 829 320 00074", "35600000000048", "35600000049837"])
def test_valid_sirets(value):
    assert len(parse_siret(value)) == 14


@pytest.mark.parametrize("value", ["73282932000075", "7328293200007", "1,23E+13", "35600000049838"])
def test_invalid_sirets(value):
    with pytest.raises(CellError, match="SIRET invalide"):
        parse_siret(value)


@pytest.mark.parametrize(
    "value", ["référent", "Référente", "référent·e", "referent(e)", "RÉFÉRENT-E", "Référent.e", "référent·es"]
)
def test_roles_are_matched_leniently(value):
    assert match_role(value) == "referent"


def test_other_roles_and_unknown_role():
    assert match_role("Élue") == "elu"
    assert match_role("salarié·e") == "salarie"
    assert match_role("Bénévoles") == "benevole"
    assert match_role("Habitante") == "habitant"
    assert match_role("Membre") == "membre"
    assert match_role(" Trésorière ") == "Trésorière"


def test_excel_sep_line_names_the_delimiter_and_counts_as_a_line():
    table = read_csv(b"sep=,\r\nnom,prenom\r\nMartin,Jean\r\n")
    assert table.headers == ["nom", "prenom"]
    assert [(r.line, r.cells) for r in table.rows] == [(3, ["Martin", "Jean"])]


def test_utf16_gets_a_specific_message():
    with pytest.raises(ImportFileError, match="UTF-16"):
        read_csv("nom;prenom\n".encode("utf-16"))

import io
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from app.core.uploads import check_upload, detect_kind, generated_name, neutralise_formula

CSV = "nom;prénom;commune\nDurand;Élodie;Rennes\n"


def upload(data: bytes, filename: str = "import.csv") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (CSV.encode("utf-8"), "utf-8-sig"),
        (b"\xef\xbb\xbf" + CSV.encode("utf-8"), "utf-8-sig"),
        (CSV.encode("cp1252"), "cp1252"),
    ],
)
def test_csv_in_utf8_or_windows_1252_is_accepted(data, encoding):
    checked = check_upload(upload(data), 1024)
    assert checked.kind == "csv" and checked.encoding == encoding
    assert checked.text.lstrip("\ufeff") == CSV


def test_stream_is_rewound_for_the_caller():
    storage = upload(CSV.encode())
    check_upload(storage, 1024)
    assert storage.stream.read() == CSV.encode()


def test_too_large_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=r"taille maximale autorisée \(5 Mo\)"):
        check_upload(upload(b"a;b\n" * (5 * 1024 * 1024)), 5 * 1024 * 1024)
    check_upload(upload(b"x" * 100), 100)  # exactly at the limit


def test_empty_and_missing_files():
    with pytest.raises(ValueError, match="vide"):
        check_upload(upload(b""), 100)
    with pytest.raises(ValueError, match="Aucun fichier"):
        check_upload(upload(b"a", filename=""), 100)
    with pytest.raises(ValueError, match="Aucun fichier"):
        check_upload(None, 100)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "programme exécutable"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Office ancien format"),
    ],
)
def test_other_types_renamed_csv_are_refused_by_content(data, found):
    with pytest.raises(ValueError, match=f"type attendu \\(CSV\\) : fichier {found}"):
        check_upload(upload(data, "personnes.csv"), 1024)


def test_nul_bytes_and_control_characters_are_refused():
    with pytest.raises(ValueError, match="pas un texte lisible"):
        check_upload(upload(b"nom;prenom\nA\x00B;C\n"), 1024)
    with pytest.raises(ValueError, match="pas un texte lisible"):
        check_upload(upload(b"nom;prenom\n\x01\x02\x03;C\n"), 1024)


def test_undecodable_bytes_are_refused():
    # 0x81 is undefined in Windows-1252 and invalid alone in UTF-8.
    with pytest.raises(ValueError, match="UTF-8 ou Windows-1252"):
        check_upload(upload(b"nom\n\x81\x81\n"), 1024)


def test_name_must_match_the_content():
    with pytest.raises(ValueError, match=r"nom du fichier \(\.exe\)"):
        check_upload(upload(CSV.encode(), "import.exe"), 1024)
    with pytest.raises(ValueError, match="sans extension"):
        check_upload(upload(CSV.encode(), "import"), 1024)


def test_xlsx_is_recognised_inside_its_zip():
    data = xlsx_bytes()
    assert detect_kind(data) == ("xlsx", None)
    checked = check_upload(upload(data, "Personnes.XLSX"), 10_000, kinds=("csv", "xlsx"))
    assert checked.kind == "xlsx" and checked.encoding is None
    with pytest.raises(ValueError, match=r"type attendu \(CSV\) : fichier Excel"):
        check_upload(upload(data, "personnes.csv"), 10_000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","clic")', '\'=HYPERLINK("http://evil.example","clic")'),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("Durand", "Durand"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_formula_neutralisation(value, expected):
    assert neutralise_formula(value) == expected


def test_generated_names_are_random_and_typed():
    a, b = generated_name("csv"), generated_name("csv")
    assert a != b and a.endswith(".csv") and len(a) == 36
    assert generated_name("unknown").endswith(".bin")

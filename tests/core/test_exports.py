import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.exports import csv_bytes, neutralise, xlsx_bytes
from app.poles.models import Thematic
from tests.people.factories import PersonFactory
from tests.structures.factories import PartnerFactory, StructureFactory


def _read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))


def test_neutralise_formula_prefixes():
    for text in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Élodie") == "Élodie"


def test_csv_bytes_types_and_quoting(app):
    rows = [("a;b", 3, 2.5, Decimal("1.25"), True, None, date(2026, 3, 14), 'dit "bonjour"\nligne 2', -4)]
    text = csv_bytes(
        ("Texte", "Entier", "Réel", "Décimal", "Booléen", "Vide", "Date", "Multi", "Négatif"), rows
    )
    assert text.count(b"\xef\xbb\xbf") == 1
    parsed = _read_csv(text)
    assert parsed[0][0] == "Texte"
    assert parsed[1] == ["a;b", "3", "2,5", "1,25", "oui", "", "14/03/2026", 'dit "bonjour"\nligne 2', "-4"]


def test_xlsx_keeps_types(app):
    data = xlsx_bytes(
        [
            (
                "Feuille: une/deux",
                ("Nom", "Nombre", "Jour", "Quand"),
                [
                    (
                        '=HYPERLINK("http://evil.example")',
                        42,
                        date(2026, 3, 14),
                        datetime(2026, 3, 14, 9, 30, tzinfo=UTC),
                    ),
                    ("https://example.org", 1.5, None, None),
                ],
            ),
            ("Feuille: une/deux", ("x",), []),
        ]
    )
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Feuille  une deux", "Feuille  une deux (2)"]
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == "Nom" and sheet["A1"].font.b
    assert sheet["A2"].value == '=HYPERLINK("http://evil.example")' and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 42
    assert sheet["C2"].value == datetime(2026, 3, 14) and sheet["C2"].is_date
    assert sheet["D2"].value == datetime(2026, 3, 14, 10, 30)  # Paris time
    assert sheet["A3"].value == "https://example.org" and sheet["A3"].hyperlink is None
    assert sheet["B3"].value == 1.5 and sheet["C3"].value is None


def test_person_csv_export_honours_filters_and_neutralises(client, db, pole, advisor, login_as):
    PersonFactory(
        pole=pole,
        first_name='=HYPERLINK("http://evil.example","clic")',
        last_name="Piège",
        commune="Redon",
        email=None,
    )
    PersonFactory(
        pole=pole,
        first_name="Élodie",
        last_name="Le Goff",
        commune="Allaire",
        postal_code="56350",
        privacy_notice_given_on=date(2026, 3, 14),
    )
    PersonFactory(pole=pole, first_name="Ancien", last_name="Archivé", archived=True)
    login_as(advisor)
    response = client.get("/people/export/csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert ".csv" in response.headers["Content-Disposition"]
    rows = _read_csv(response.data)
    assert rows[0][:3] == ["Nom", "Prénom", "E-mail"]
    assert len(rows) == 3  # archived left out, like the list
    piege = next(r for r in rows if r[0] == "Piège")
    assert piege[1] == '\'=HYPERLINK("http://evil.example","clic")'
    elodie = next(r for r in rows if r[0] == "Le Goff")
    assert elodie[10] == "14/03/2026"
    rows = _read_csv(client.get("/people/export/csv?q=allaire").data)
    assert [r[0] for r in rows[1:]] == ["Le Goff"]
    rows = _read_csv(client.get("/people/export/csv?archives=1").data)
    assert len(rows) == 4
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.persons").order_by(AuditEvent.id)
    ).all()
    assert [e.changes["rows"] for e in events] == [2, 1, 3]
    assert events[1].changes["q"] == "…" and events[0].actor_id == advisor.id  # no search terms kept
    assert client.get("/people/export/pdf").status_code == 404


def test_person_xlsx_export(client, db, pole, advisor, login_as):
    PersonFactory(pole=pole, first_name="=1+1", last_name="Formule", birth_year=1990)
    login_as(advisor)
    response = client.get("/people/export/xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "Personnes"
    assert [c.value for c in sheet[1]][:2] == ["Nom", "Prénom"]
    assert sheet["B2"].value == "=1+1" and sheet["B2"].data_type == "s"
    assert sheet["H2"].value == 1990


def test_structure_and_partner_exports(client, db, pole, admin, login_as):
    theme = db.session.scalars(select(Thematic).where(Thematic.pole_id == pole.id)).first()
    StructureFactory(pole=pole, name="Redon Agglomération", kind="collectivite")
    PartnerFactory(
        pole=pole,
        name="URSCOP Bretagne",
        kind="reseau",
        thematics=[theme],
        partner_stages=["creation", "changement_echelle"],
        territory="Bretagne",
    )
    login_as(admin)
    rows = _read_csv(client.get("/structures/export/csv?type=collectivite").data)
    assert [r[:2] for r in rows[1:]] == [["Redon Agglomération", "Collectivité"]]
    rows = _read_csv(client.get("/structures/annuaire/export/csv").data)
    assert rows[1][0] == "URSCOP Bretagne"
    assert rows[1][2] == theme.name and rows[1][3] == "Création, Changement d'échelle"
    sheet = load_workbook(
        io.BytesIO(client.get(f"/structures/annuaire/export/xlsx?thematique={theme.id}").data)
    ).active
    assert sheet["A2"].value == "URSCOP Bretagne"
    sheet = load_workbook(io.BytesIO(client.get("/structures/export/xlsx?partenaire=non").data)).active
    assert sheet["A2"].value == "Redon Agglomération" and sheet["A3"].value is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("export.%"))).all()
    assert sorted(actions) == ["export.partners", "export.partners", "export.structures", "export.structures"]

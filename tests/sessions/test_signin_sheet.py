import io

from pypdf import PdfReader

from tests.sessions.factories import AttendanceFactory, FundingProgrammeFactory, PersonFactory, SessionFactory


def test_signin_sheet_pdf_is_a_real_pdf_with_the_names(client, advisor, login_as, pole):
    programme = FundingProgrammeFactory(pole=pole, name="FSE+")
    session = SessionFactory(pole=pole, title="Atelier statuts", funding_programme_id=programme.id)
    for first, last in (("Anne", "Bréal"), ("Bruno", "Carré"), ("Chloé", "Dantec")):
        AttendanceFactory(
            session=session,
            person=PersonFactory(pole=pole, first_name=first, last_name=last),
            status="invited",
        )
    login_as(advisor)
    response = client.get(f"/sessions/{session.id}/emargement.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Feuille d'émargement",
        pole.name,
        "Atelier statuts",
        "FSE+",
        "10 mars 2026",
        "Bréal",
        "Carré",
        "Dantec",
        "Chloé",
        "Signature",
    ):
        assert expected in text, expected
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


def test_signin_sheet_html_view(client, advisor, login_as, pole):
    session = SessionFactory(pole=pole, title="Atelier statuts")
    AttendanceFactory(session=session, person=PersonFactory(pole=pole, last_name="Bréal"), status="invited")
    login_as(advisor)
    response = client.get(f"/sessions/{session.id}/emargement")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bréal" in body and "/static/css/sessions-signin.css" in body
    assert "<style" not in body and "<script" not in body

"""The holder's pages: what they show, and what they must never show."""

from datetime import timedelta

from sqlalchemy import select

from app.core.models import utcnow
from app.extensions import db
from app.sessions.models import Attendance
from tests.factories import UserFactory
from tests.portal.factories import AttendanceFactory, HolderFactory, PersonFactory, SessionFactory
from tests.portal.helpers import page_text


def test_parcours_shows_stages_referent_objectives(client, world, login_as):
    login_as(world.holder)
    response = client.get("/portal/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Café associatif" in text and "Tiers-lieu : gouvernance" in text
    assert "Projet de Dan" not in text
    body = response.get_data(as_text=True)
    # Accueil done, Diagnostic partagé current, the rest next.
    assert 'class="stage-done"' in body and 'aria-current="step"' in body
    current = body.split('aria-current="step"')[1].split("</li>")[0]
    assert "Diagnostic partagé" in current and "étape en cours" in current
    assert world.advisor.email in text and world.advisor.full_name in text
    assert "Ouvrir le café au printemps" in text


def test_home_page_links_the_holder_space(client, world, login_as):
    login_as(world.holder)
    text = page_text(client.get("/"))
    assert "Mon espace" in text and "/portal/seances" in text and "/portal/mes-donnees" in text


def test_sessions_show_my_attendance_summary_next_steps_never_private_notes(client, world, login_as):
    login_as(world.holder)
    text = page_text(client.get("/portal/seances"))
    assert "Rendez-vous diagnostic" in text
    assert "Nous avons fait le point sur le budget." in text and "Envoyer le prévisionnel." in text
    assert "NOTE PRIVÉE" not in text
    assert "Ma présence : Présent·e" in text
    # Other members' attendance never appears (Bob was absent, then excused).
    assert "Bertho" not in text and "Absent·e" not in text and "Excusé·e" not in text
    assert "Séance de Dan" not in text
    upcoming = text.split("Prochaines séances")[1].split("Séances passées")[0]
    assert "Prochain rendez-vous" in upcoming and "Ma réponse : pas encore de réponse" in upcoming
    assert "Invité·e" not in upcoming


def test_member_who_left_keeps_old_collective_seances_but_not_new_ones(client, world, login_as):
    # Without an attendance of her own, a collective's later séance stays closed to a leaver.
    invited = select(Attendance).filter_by(session_id=world.s_new.id, person_id=world.chloe.id)
    db.session.delete(db.session.scalar(invited))
    db.session.flush()
    login_as(world.chloe_holder)
    text = page_text(client.get("/portal/seances"))
    assert "Atelier gouvernance (avant le départ)" in text
    assert "Atelier statuts (après le départ)" not in text
    assert "Statuts relus ensemble." not in text
    assert client.post(f"/portal/seances/{world.s_new.id}/avis", data={"score": 5}).status_code == 404
    # …and the collective's dossier is no longer hers.
    index = page_text(client.get("/portal/"))
    assert "Tiers-lieu : gouvernance" not in index
    assert (
        client.get(f"/portal/dossiers/{world.collective_dossier.id}/auto-positionnement").status_code == 404
    )


def test_current_member_sees_new_collective_seances(client, world, login_as):
    login_as(world.holder)
    text = page_text(client.get("/portal/seances"))
    assert "Atelier statuts (après le départ)" in text and "Statuts relus ensemble." in text


def test_attendance_alone_opens_a_collective_seance_as_in_my_data(client, world, login_as):
    """Issue 17: marked present at another collective's workshop, the person sees and rates it."""
    outsider = PersonFactory(pole=world.pole)
    AttendanceFactory(session=world.s_new, person_id=outsider.id, status="present")
    own = SessionFactory(
        pole_id=world.pole.id, title="Permanence ouverte", starts_at=utcnow() - timedelta(days=2)
    )
    AttendanceFactory(session=own, person_id=outsider.id, status="present")
    login_as(HolderFactory(person=outsider))
    text = page_text(client.get("/portal/seances"))
    assert "Permanence ouverte" in text
    assert "Atelier statuts (après le départ)" in text
    assert "Atelier statuts (après le départ)" in page_text(client.get("/portal/mes-donnees"))
    assert client.post(f"/portal/seances/{world.s_new.id}/avis", data={"score": 4}).status_code == 302


def test_referrals_show_partner_contact_status_history_without_staff_comments(client, world, login_as):
    login_as(world.holder)
    text = page_text(client.get("/portal/orientations"))
    assert "DLA d'Ille-et-Vilaine" in text
    for detail in ("Morgane Le Roux", "dla@example.org", "02 99 00 00 00", "Remplir le formulaire en ligne."):
        assert detail in text
    assert "Acceptée par le partenaire" in text and "Transmise au partenaire" in text
    assert (world.today - timedelta(days=12)).strftime("%d/%m/%Y") in text
    assert "COMMENTAIRE INTERNE" not in text
    assert "URSCOP" not in text


def _switch_user(client, login_as, user):
    client.post("/logout")
    login_as(user)


def test_staff_pages_answer_404_to_holders(client, world, login_as):
    gets = (
        "/collectives/",
        f"/collectives/{world.collective.id}",
        "/users",
        f"/portal/dossiers/{world.own.id}/competences",
    )
    # The same routes answer an allowed user: a 404 below is the refusal, not a wrong URL.
    login_as(world.advisor)
    for url in gets:
        expected = 404 if url == "/users" else 200  # /users is for admins
        assert client.get(url).status_code == expected, url
    _switch_user(client, login_as, UserFactory(pole=world.pole, role="admin"))
    assert client.get("/users").status_code == 200
    _switch_user(client, login_as, world.holder)
    for url in gets:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/midway").status_code == 404
    assert client.post(f"/portal/invite/{world.dan.id}").status_code == 404
    _switch_user(client, login_as, world.advisor)
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/midway").status_code == 302
    assert client.post(f"/portal/invite/{world.dan.id}").status_code == 302


def test_portal_pages_answer_404_to_staff(client, world, login_as):
    urls = (
        "/portal/",
        "/portal/seances",
        "/portal/orientations",
        "/portal/mes-donnees",
        "/portal/mes-donnees.json",
        f"/portal/dossiers/{world.own.id}/auto-positionnement",
    )
    login_as(world.holder)
    for url in urls:
        assert client.get(url).status_code == 200, url
    _switch_user(client, login_as, world.advisor)
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_other_dossiers_answer_404(client, world, login_as):
    # Dan's own account reaches his dossier and séance: Anne's 404 below is about whose they are.
    dan = HolderFactory(person=world.dan)
    login_as(dan)
    assert client.get(f"/portal/dossiers/{world.dan_dossier.id}/auto-positionnement").status_code == 200
    _switch_user(client, login_as, world.holder)
    assert client.get(f"/portal/dossiers/{world.dan_dossier.id}/auto-positionnement").status_code == 404
    assert client.post(f"/portal/dossiers/{world.dan_dossier.id}/avis", data={"score": 3}).status_code == 404
    assert client.post(f"/portal/seances/{world.s_dan.id}/avis", data={"score": 3}).status_code == 404
    _switch_user(client, login_as, dan)
    assert client.post(f"/portal/dossiers/{world.dan_dossier.id}/avis", data={"score": 3}).status_code == 302
    assert client.post(f"/portal/seances/{world.s_dan.id}/avis", data={"score": 3}).status_code == 302


def test_holder_of_another_pole_sees_nothing_of_this_pole(client, world, other_pole, login_as):
    stranger = HolderFactory(person=PersonFactory(pole=other_pole))
    login_as(stranger)
    assert "Café associatif" not in page_text(client.get("/portal/"))
    assert client.get(f"/portal/dossiers/{world.own.id}/auto-positionnement").status_code == 404
    assert client.post(f"/portal/seances/{world.s_own.id}/avis", data={"score": 3}).status_code == 404
    assert "DLA" not in page_text(client.get("/portal/orientations"))
    # The holder of these records does reach them.
    _switch_user(client, login_as, world.holder)
    assert "Café associatif" in page_text(client.get("/portal/"))
    assert "DLA" in page_text(client.get("/portal/orientations"))
    assert client.get(f"/portal/dossiers/{world.own.id}/auto-positionnement").status_code == 200
    assert client.post(f"/portal/seances/{world.s_own.id}/avis", data={"score": 3}).status_code == 302


def test_staff_of_another_pole_gets_404_on_staff_portal_routes(client, world, other_staff, login_as):
    login_as(world.advisor)  # the pole's own staff: the routes exist and answer
    assert client.get(f"/portal/dossiers/{world.own.id}/competences").status_code == 200
    _switch_user(client, login_as, other_staff)
    assert client.get(f"/portal/dossiers/{world.own.id}/competences").status_code == 404
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/midway").status_code == 404
    assert client.post(f"/portal/invite/{world.anne.id}").status_code == 404
    _switch_user(client, login_as, world.advisor)
    assert client.post(f"/portal/dossiers/{world.own.id}/rounds/midway").status_code == 302
    assert client.post(f"/portal/invite/{world.anne.id}").status_code == 302


def test_holder_without_person_gets_404(client, pole, login_as):
    from tests.factories import UserFactory

    login_as(UserFactory(pole=pole, role="holder"))
    assert client.get("/portal/").status_code == 404


def test_sessions_page_query_count_does_not_grow(client, world, login_as, count_queries):
    login_as(world.holder)
    client.get("/portal/seances")
    with count_queries() as before:
        client.get("/portal/seances")
    for n in range(6):
        s = SessionFactory(pole_id=world.pole.id, title=f"Séance en plus {n}")
        s.accompaniments = [world.own]
        AttendanceFactory(session=s, person_id=world.anne.id, status="present")
    with count_queries() as after:
        text = page_text(client.get("/portal/seances"))
    assert "Séance en plus 5" in text
    assert after.count == before.count


def test_portal_pages_query_count_does_not_grow_with_referrals(client, world, login_as, count_queries):
    from tests.portal.factories import ReferralFactory, ReferralStatusChangeFactory

    login_as(world.holder)
    with count_queries() as before:
        client.get("/portal/orientations")
    for _n in range(4):
        r = ReferralFactory(pole_id=world.pole.id, person_id=world.anne.id, partner_id=world.partner.id)
        ReferralStatusChangeFactory(referral=r, status="sent", changed_on=world.today)
    with count_queries() as after:
        client.get("/portal/orientations")
    assert after.count == before.count


def test_pages_have_no_inline_style_or_script(client, world, login_as):
    login_as(world.holder)
    for url in ("/portal/", "/portal/seances", "/portal/orientations", "/portal/mes-donnees"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "style=" not in body and "<script>" not in body and " onclick" not in body, url


def test_seance_linked_only_to_collective_dossiers_follows_membership(client, world, login_as):
    from app.portal import services

    session = SessionFactory(pole_id=world.pole.id, title="Séance du dossier collectif", starts_at=utcnow())
    session.accompaniments = [world.collective_dossier]
    for person in (world.anne, world.chloe):
        AttendanceFactory(session=session, person_id=person.id, status="invited")
    old = SessionFactory(
        pole_id=world.pole.id, title="Ancienne séance", starts_at=utcnow() - timedelta(days=100)
    )
    old.accompaniments = [world.collective_dossier, world.dan_dossier]
    AttendanceFactory(session=old, person_id=world.chloe.id, status="present")
    assert session.id in services.person_scope(world.anne).session_ids()
    chloe_ids = services.person_scope(world.chloe).session_ids()
    # Her own attendance opens it, membership or not (as « Mes données » lists it).
    assert session.id in chloe_ids
    assert old.id in chloe_ids
    login_as(world.chloe_holder)
    assert "Séance du dossier collectif" in page_text(client.get("/portal/seances"))

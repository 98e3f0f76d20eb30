"""No page of the main journeys asks anything (script, style, font, image, beacon) of another origin.

Every request the browser makes is recorded (Playwright's `request` event) while walking the
pages of each role; any whose origin is not the live server's fails the test.
"""

from urllib.parse import urlsplit

from tests.conftest import PASSWORD
from tests.security.world import build_world

IGNORED_SCHEMES = {"data", "blob", "about"}  # inline images (QR codes) never leave the page


def _journeys(world) -> dict:
    a = world.a
    return {
        "anonymous": [
            "/login",
            "/password/forgot",
            f"/p/{a['pole_slug']}/ateliers",
            f"/p/{a['pole_slug']}/ateliers/{a['session_id']}",
        ],
        "advisor": [
            "/",
            "/people/",
            f"/people/{a['person_id']}",
            f"/collectives/{a['collective_id']}",
            f"/accompaniments/{a['accompaniment_id']}",
            "/sessions/agenda",
            "/sessions/new",
            f"/sessions/{a['session_id']}",
            "/referrals/",
            "/structures/annuaire",
            "/requests/",
            "/reports/monthly",
        ],
        "admin": [
            "/",
            "/users",
            "/thematiques",
            "/pathways/",
            "/imports/",
            "/privacy/journal",
            "/privacy/requests",
        ],
        "holder": [
            "/portal/",
            "/portal/seances",
            "/portal/orientations",
            "/portal/mes-donnees",
            f"/portal/dossiers/{a['accompaniment_id']}/auto-positionnement",
        ],
        "regional": ["/", "/reports/regional"],
        "partner": ["/referrals/partner", f"/referrals/partner/{a['referral_id']}"],
    }


def test_no_page_requests_another_origin(browser, live_server, seed):
    world = seed(build_world)
    origin = urlsplit(live_server)
    foreign: list[str] = []
    visited = 0
    for role, paths in _journeys(world).items():
        context = browser.new_context(locale="fr-FR", base_url=live_server)
        page = context.new_page()
        page.set_default_timeout(10_000)

        def _record(request, role=role):
            url = urlsplit(request.url)
            if url.scheme in IGNORED_SCHEMES:
                return
            if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
                foreign.append(f"{role} on {page.url}: {request.method} {request.url}")

        page.on("request", _record)
        try:
            if role != "anonymous":
                page.goto("/login")
                page.get_by_label("Adresse e-mail").fill(world.emails[role])
                page.get_by_label("Mot de passe").fill(PASSWORD)
                page.get_by_role("button", name="Se connecter").click()
                page.wait_for_url(lambda url: "/login" not in url)
            for path in paths:
                response = page.goto(path, wait_until="networkidle")
                assert response is not None and response.ok, (
                    f"{role}: {path} answered {response and response.status}"
                )
                visited += 1
        finally:
            context.close()
    assert visited == sum(len(p) for p in _journeys(world).values())
    assert not foreign, "Requests to another origin:\n" + "\n".join(foreign)

"""The declared access matrix: every endpoint of the app x every role -> the expected answer.

The route sweep (test_route_sweep.py) walks `app.url_map` and fails on any endpoint missing
here, so a new route cannot ship without someone deciding who may see it. Adding a route is
one line: `"domain.endpoint": staff(),` (or admin_only(), holder_only(), regional_only(), …),
e.g. when the reports branch lands: `"reports.monthly": staff(),` and
`"reports.regional": regional_only(),` (check what the page should answer to each role).
A route with a URL argument the sweep world does not know yet (tests/security/world.py) needs
that value added there, or `args={"arg": "existing_world_key"}` on its entry.

Outcomes, per role, for a GET with pole A's records (the user's own pole):
- OK: a 2xx answer;
- NOT_FOUND: 404 (the app never says 403: the page's existence is not disclosed);
- LOGIN: a redirect to the login page (anonymous visitor on a login-required page);
- redirect_to("endpoint"): a 302 to that endpoint which is the page's normal behaviour
  (say why in `note`).
With pole B's records (routes taking a record id), every answer that is not LOGIN must be
404, for every role. POST-only routes are checked on their refusals (LOGIN / NOT_FOUND, and
404 with pole B's records); every POST route must answer 400 without a CSRF token.
"""

from dataclasses import dataclass, field

OK = "ok"
NOT_FOUND = "404"
LOGIN = "login"


def redirect_to(endpoint: str) -> str:
    return f"302:{endpoint}"


@dataclass(frozen=True)
class Access:
    anonymous: str
    admin: str
    advisor: str
    holder: str
    partner: str
    regional: str
    # URL values: url argument -> key of the sweep world's values (default: the argument's name).
    args: dict = field(default_factory=dict)
    note: str = ""

    def expected(self, role: str) -> str:
        return getattr(self, role)


def access(
    anonymous=LOGIN,
    admin=NOT_FOUND,
    advisor=NOT_FOUND,
    holder=NOT_FOUND,
    partner=NOT_FOUND,
    regional=NOT_FOUND,
    **kw,
) -> Access:
    return Access(anonymous, admin, advisor, holder, partner, regional, **kw)


def staff(**kw) -> Access:
    return access(admin=OK, advisor=OK, **kw)


def admin_only(**kw) -> Access:
    return access(admin=OK, **kw)


def holder_only(**kw) -> Access:
    return access(holder=OK, **kw)


def partner_only(**kw) -> Access:
    return access(partner=OK, **kw)


def regional_only(**kw) -> Access:
    return access(regional=OK, **kw)


def logged_in(**kw) -> Access:
    """Any logged-in user, whatever the role (their own account pages, the home page)."""
    values = {"admin": OK, "advisor": OK, "holder": OK, "partner": OK, "regional": OK}
    values.update(kw.pop("roles", {}))
    return access(**values, **kw)


def public(**kw) -> Access:
    """No login needed: the same answer for everyone (override a role with roles={…})."""
    values = dict.fromkeys(("anonymous", "admin", "advisor", "holder", "partner", "regional"), OK)
    values.update(kw.pop("roles", {}))
    return access(**values, **kw)


HOME = redirect_to("main.home")
LOGGED_IN_GO_HOME = {r: HOME for r in ("admin", "advisor", "holder", "partner", "regional")}

MATRIX: dict[str, Access] = {
    # --- main ---------------------------------------------------------------------------------
    "main.home": logged_in(),
    "main.healthz": public(note="load balancer probe, no data"),
    "main.set_language": public(note="POST only: stores the choice in the session cookie, no login"),
    # --- auth ---------------------------------------------------------------------------------
    "auth.login": public(roles=LOGGED_IN_GO_HOME, note="a logged-in user is sent home"),
    "auth.mfa_verify": public(
        roles={"anonymous": LOGIN, **LOGGED_IN_GO_HOME},
        note="without a pending password step: back to login; logged in: home",
    ),
    "auth.forgot_password": public(),
    "auth.reset_password": public(args={"token": "reset_token"}, note="valid reset token"),
    "auth.accept_invitation": public(args={"token": "invitation_token"}, note="valid invitation token"),
    "auth.logout": logged_in(),
    "auth.change_password": logged_in(),
    "auth.mfa_setup": logged_in(),
    "auth.mfa_recovery_codes": logged_in(),
    "auth.mfa_disable": logged_in(),
    "auth.sessions": logged_in(note="the user's own open sessions"),
    "auth.end_sessions": logged_in(),
    "auth.users": admin_only(),
    "auth.toggle_user": admin_only(),
    "auth.reinvite": admin_only(),
    # --- poles --------------------------------------------------------------------------------
    "poles.settings": admin_only(),
    "poles.thematics": admin_only(),
    "poles.rename_thematic": admin_only(),
    "poles.move_thematic": admin_only(),
    "poles.toggle_thematic": admin_only(),
    "poles.delete_thematic": admin_only(),
    # --- people -------------------------------------------------------------------------------
    "people.index": staff(),
    "people.new": staff(),
    "people.detail": staff(),
    "people.edit": staff(),
    "people.archive": staff(),
    "people.export": staff(note="CSV export (journaled)"),
    # --- structures ---------------------------------------------------------------------------
    "structures.index": staff(),
    "structures.new": staff(),
    "structures.detail": staff(),
    "structures.edit": staff(),
    "structures.archive": staff(),
    "structures.export": staff(),
    "structures.directory": staff(),
    "structures.directory_export": staff(),
    # --- collectives --------------------------------------------------------------------------
    "collectives.index": staff(),
    "collectives.new": staff(),
    "collectives.detail": staff(),
    "collectives.edit": staff(),
    "collectives.archive": staff(),
    "collectives.add_member": staff(),
    "collectives.edit_member": staff(),
    "collectives.leave_member": staff(),
    "collectives.delete_member": staff(),
    # --- imports ------------------------------------------------------------------------------
    "imports.index": admin_only(),
    "imports.confirm": admin_only(),
    "imports.cancel": admin_only(),
    # --- pathways -----------------------------------------------------------------------------
    "pathways.index": admin_only(),
    "pathways.new": admin_only(),
    "pathways.edit": admin_only(),
    "pathways.add_stage": admin_only(),
    "pathways.edit_stage": admin_only(),
    "pathways.move_stage": admin_only(),
    "pathways.toggle_stage": admin_only(),
    "pathways.toggle_template": admin_only(),
    # --- requests -----------------------------------------------------------------------------
    "requests.index": staff(),
    "requests.new": staff(),
    "requests.detail": staff(),
    "requests.edit": staff(),
    "requests.open_dossier": staff(),
    "requests.set_outcome": staff(),
    # --- accompaniments -----------------------------------------------------------------------
    "accompaniments.index": staff(),
    "accompaniments.new": staff(),
    "accompaniments.detail": staff(),
    "accompaniments.edit": staff(),
    "accompaniments.move_stage": staff(),
    "accompaniments.change_status": staff(note="action=suspend on an active dossier: the form"),
    # --- sessions -----------------------------------------------------------------------------
    "sessions.agenda": staff(),
    "sessions.new": staff(),
    "sessions.detail": staff(),
    "sessions.edit": staff(),
    "sessions.attendance": staff(),
    "sessions.signin_sheet": staff(),
    "sessions.signin_sheet_html": staff(),
    "sessions.person_attendance": staff(),
    "sessions.collective_regularity": staff(),
    "sessions.programmes": admin_only(),
    "sessions.rename_programme": admin_only(),
    "sessions.toggle_programme": admin_only(),
    "sessions.calendar": staff(holder=OK, note="staff and holders subscribe to their séances"),
    "sessions.regenerate_calendar": staff(holder=OK),
    "sessions.revoke_calendar": staff(holder=OK),
    "sessions.ical_feed": public(args={"token": "ical_token"}, note="the secret token is the credential"),
    "sessions.public_workshops": public(note="the pole's published workshops"),
    "sessions.public_register": public(note="registration form of a published workshop"),
    "sessions.confirm_registration": public(
        args={"token": "registration_token"}, note="the mailed single-use link: GET shows a button"
    ),
    # --- referrals ----------------------------------------------------------------------------
    "referrals.index": staff(),
    "referrals.new": staff(),
    "referrals.detail": staff(),
    "referrals.change_status": staff(),
    "referrals.close": staff(),
    "referrals.comment": staff(),
    "referrals.follow_up": staff(),
    "referrals.to_chase": staff(),
    "referrals.close_all": staff(),
    "referrals.invite_partner": admin_only(),
    "referrals.partner_index": partner_only(),
    "referrals.partner_detail": partner_only(note="a referral sent to the partner's structure"),
    "referrals.partner_comment": partner_only(),
    "referrals.answer": public(args={"token": "answer_token"}, note="the referent's e-mailed answer link"),
    "referrals.resend": staff(),
    "referrals.revoke_links": staff(),
    "referrals.scorecard": staff(),
    "referrals.partner_scorecard": staff(),
    "referrals.settings": admin_only(),
    # --- portal -------------------------------------------------------------------------------
    "portal.index": holder_only(),
    "portal.sessions": holder_only(),
    "portal.referrals": holder_only(),
    "portal.my_data": holder_only(),
    "portal.my_data_json": holder_only(),
    "portal.skills": holder_only(),
    "portal.rate_dossier": holder_only(),
    "portal.rate_session": holder_only(),
    "portal.dossier_skills": staff(),
    "portal.open_round": staff(),
    "portal.invite_holder": staff(),
    # --- privacy ------------------------------------------------------------------------------
    "privacy.audit": admin_only(),
    "privacy.requests": admin_only(),
    "privacy.new_request": admin_only(),
    "privacy.handle_request": admin_only(args={"request_id": "privacy_request_id"}),
    "privacy.export_person": admin_only(note="download of the person's data (journaled)"),
    "privacy.anonymise": admin_only(note="GET: the confirmation page"),
    "privacy.retention": admin_only(),
    # --- reports ------------------------------------------------------------------------------
    "reports.monthly": staff(),
    "reports.monthly_json": staff(),
    "reports.indicators": staff(),
    "reports.regional": regional_only(),
    # --- mail ---------------------------------------------------------------------------------
    "mail.outbox": admin_only(),
    "mail.retry": admin_only(),
    "mail.settings": admin_only(),
    "mail.reminders_opt_in": staff(),
    "mail.reminder_optout": public(
        args={"token": "optout_token"}, note="the signed link in a séance reminder; GET only confirms"
    ),
}

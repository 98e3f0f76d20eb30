"""Answer-rate figures of partners, read from the referrals' status histories.

For the orientations SENT during a period (the first `sent` entry of their history, else
their `sent_on` for imported ones), read as of the period's last day:
- `sent`: how many;
- `settled`: those sent at least 30 days before the period's end — the only ones whose
  30-day answer is known by then, so the rates below are computed on them and a closed
  period's figures never move when later answers come in;
- `answered_within_30_days` (and its rate): a first answer (à l'étude, prise en charge,
  refus, réalisée) within 30 days of sending;
- `median_days_to_first_answer`: over the settled ones answered by the period's end;
- `taken_in_charge_within_3/5_working_days` (and rates): prise en charge (or réalisée)
  within 3 or 5 working days after sending — Monday to Friday, French public holidays
  (the `holidays` package) excluded;
- `declined` and `declined_by_reason` (every reason code present), `expired`: refusals and
  expiries recorded in the history by the period's end.
"""

from collections import defaultdict
from datetime import date, timedelta
from functools import lru_cache
from statistics import median

import holidays
from sqlalchemy import func, select

from app.extensions import db
from app.referrals.models import ANSWER_STATUSES, DECLINE_REASONS, Referral, ReferralStatusChange
from app.structures.models import Structure

ANSWER_WINDOW_DAYS = 30
WORKING_DAY_LIMITS = (3, 5)
TAKEN_IN_CHARGE = ("accepted", "completed")


@lru_cache(maxsize=64)
def _french_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.France(years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _french_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += timedelta(days=1)
    return count


def _rate(numerator: int, denominator: int) -> float | None:
    from app.reports.services import ratio  # reports import referrals: import here

    return ratio(numerator, denominator, 3)


def empty_figures() -> dict:
    figures = {
        "sent": 0,
        "settled": 0,
        "answered_within_30_days": 0,
        "answered_within_30_days_rate": None,
        "median_days_to_first_answer": None,
    }
    for limit in WORKING_DAY_LIMITS:
        figures[f"taken_in_charge_within_{limit}_working_days"] = 0
        figures[f"taken_in_charge_within_{limit}_working_days_rate"] = None
    figures["declined"] = 0
    figures["declined_by_reason"] = dict.fromkeys(DECLINE_REASONS, 0)
    figures["expired"] = 0
    return figures


class _Tally:
    def __init__(self) -> None:
        self.figures = empty_figures()
        self.answer_days: list[int] = []

    def add(
        self, sent_on: date, rows: list[tuple[str, date]], decline_reason: str | None, last: date
    ) -> None:
        f = self.figures
        f["sent"] += 1
        after = [(status, on) for status, on in rows if on >= sent_on and status != "sent"]
        first_answer = next((on for status, on in after if status in ANSWER_STATUSES), None)
        taken = next((on for status, on in after if status in TAKEN_IN_CHARGE), None)
        statuses = {status for status, _on in after}
        if "declined" in statuses:
            f["declined"] += 1
            reason = decline_reason if decline_reason in f["declined_by_reason"] else "other"
            f["declined_by_reason"][reason] += 1
        if "expired" in statuses:
            f["expired"] += 1
        if sent_on > last - timedelta(days=ANSWER_WINDOW_DAYS):
            return  # its 30-day answer is not known by the period's end
        f["settled"] += 1
        if first_answer is not None:
            days = (first_answer - sent_on).days
            self.answer_days.append(days)
            if days <= ANSWER_WINDOW_DAYS:
                f["answered_within_30_days"] += 1
        if taken is not None:
            within = working_days_between(sent_on, taken)
            for limit in WORKING_DAY_LIMITS:
                if within <= limit:
                    f[f"taken_in_charge_within_{limit}_working_days"] += 1

    def result(self) -> dict:
        f = self.figures
        f["answered_within_30_days_rate"] = _rate(f["answered_within_30_days"], f["settled"])
        for limit in WORKING_DAY_LIMITS:
            key = f"taken_in_charge_within_{limit}_working_days"
            f[f"{key}_rate"] = _rate(f[key], f["settled"])
        if self.answer_days:
            f["median_days_to_first_answer"] = round(float(median(self.answer_days)), 1)
        return f


def answer_figures(pole_id: int, first: date, last: date, *, partner_id: int | None = None, conds=()) -> dict:
    """{"pole": figures, "by_partner": [{"partner", "partner_id", **figures}]} for the
    orientations of the pole sent from `first` to `last` (see the module docstring).
    `conds` narrow the referrals further (the report's programme / advisor filters)."""
    first_sent = (
        select(ReferralStatusChange.referral_id, func.min(ReferralStatusChange.changed_on).label("on"))
        .where(ReferralStatusChange.pole_id == pole_id, ReferralStatusChange.status == "sent")
        .group_by(ReferralStatusChange.referral_id)
        .subquery()
    )
    sent_on = func.coalesce(first_sent.c.on, Referral.sent_on)
    stmt = (
        select(Referral.id, Referral.partner_id, Structure.name, sent_on, Referral.decline_reason)
        .join(Structure, Structure.id == Referral.partner_id)
        .outerjoin(first_sent, first_sent.c.referral_id == Referral.id)
        .where(Referral.pole_id == pole_id, sent_on >= first, sent_on <= last, *conds)
    )
    if partner_id is not None:
        stmt = stmt.where(Referral.partner_id == partner_id)
    referrals = db.session.execute(stmt.execution_options(all_poles=True)).all()
    history: dict[int, list[tuple[str, date]]] = defaultdict(list)
    # Always two queries, whatever the number of referrals (query-count tests pin it).
    ids = select(stmt.subquery().c.id)
    for referral_id, status, on in db.session.execute(
        select(ReferralStatusChange.referral_id, ReferralStatusChange.status, ReferralStatusChange.changed_on)
        .where(ReferralStatusChange.referral_id.in_(ids), ReferralStatusChange.changed_on <= last)
        .order_by(ReferralStatusChange.changed_on, ReferralStatusChange.id)
        .execution_options(all_poles=True)
    ):
        history[referral_id].append((status, on))
    pole = _Tally()
    partners: dict[int, tuple[str, _Tally]] = {}
    for referral_id, partner, name, sent, reason in referrals:
        if isinstance(sent, str):  # SQLite returns coalesce() of dates as text
            sent = date.fromisoformat(sent)
        pole.add(sent, history[referral_id], reason, last)
        partners.setdefault(partner, (name, _Tally()))[1].add(sent, history[referral_id], reason, last)
    by_partner = [
        {"partner": name, "partner_id": pid, **tally.result()} for pid, (name, tally) in partners.items()
    ]
    by_partner.sort(key=lambda item: (-item["sent"], item["partner"].casefold(), item["partner_id"]))
    return {"pole": pole.result(), "by_partner": by_partner}

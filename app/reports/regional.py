"""The regional view: each pole's monthly headline figures, and their total, for one month
and for the year to date. Only counts and rates: no name, no email, no free text. Counts of
persons under 3 (0, 1 or 2) are shown as "< 3", so an empty cell cannot be told from a small one
(primary suppression); and since the total is published, a second cell (or the total) is hidden
as "s" whenever the total minus the published cells would narrow a "< 3" down (secondary
suppression, as statistical offices do: see `secondary_suppression`).

The regional coordinator has no pole, so the automatic pole scope would hide everything:
queries run with `execution_options(all_poles=True)` and group by pole explicitly. Month
bounds follow each pole's own time zone (poles are grouped by zone).
"""

import math
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select, union

from app.accompaniments.models import Accompaniment
from app.extensions import db
from app.poles.models import Pole
from app.portal.models import SatisfactionResponse
from app.referrals.models import Referral
from app.reports import figures
from app.reports.periods import Period, month_key, month_period, parse_month
from app.reports.services import SMALL_COUNT, _rows, ratio
from app.requests.models import Request

# Figures that count persons (or records each standing for one beneficiary): masked under 3.
PERSON_COUNTS = (
    "requests",
    "referrals",
    "accompaniments_opened",
    "accompaniments_active",
    "distinct_participants",
    "satisfaction_responses",
)
FIGURES = (
    "requests",
    "referrals",
    "accompaniments_opened",
    "accompaniments_active",
    "sessions",
    "hours",
    "distinct_participants",
    "attendance_rate",
    "satisfaction_responses",
    "satisfaction_mean",
)


def _raw_figures(pole_ids: list[int], period: Period) -> dict[int, dict[str, int]]:
    """Raw per-pole sums (unmasked, unrounded) over `period`."""
    raw: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pole_id, count in _rows(
        select(Request.pole_id, func.count())
        .where(Request.pole_id.in_(pole_ids), Request.received_on.between(period.first, period.last))
        .group_by(Request.pole_id)
    ):
        raw[pole_id]["requests"] = int(count)
    for pole_id, count in _rows(
        select(Referral.pole_id, func.count())
        .where(Referral.pole_id.in_(pole_ids), Referral.referred_on.between(period.first, period.last))
        .group_by(Referral.pole_id)
    ):
        raw[pole_id]["referrals"] = int(count)
    # Séances and attendance: closed months from the precomputed monthly figures, the rest
    # (the current month) from the records (app.reports.figures); a pole whose figures could
    # not all be made current in this request is read from the records for the whole period.
    split = figures.split_period(period)
    fresh = figures.fresh_poles(pole_ids, split.months)
    cached_ids = [pole_id for pole_id in pole_ids if pole_id in fresh]
    raw_ids = [pole_id for pole_id in pole_ids if pole_id not in fresh]
    plans = [(cached_ids, split.months, split.rest), (raw_ids, [], [period])]
    plans = [(ids, months, rest) for ids, months, rest in plans if ids]
    counts = figures.add_counts(
        *(figures.cached_session_counts(ids, months) for ids, months, _rest in plans),
        *(figures.session_counts(ids, part) for ids, _months, rest in plans for part in rest),
    )
    for pole_id, by_kind in counts.items():
        for values in by_kind.values():
            raw[pole_id]["sessions"] += values["sessions"]
            raw[pole_id]["minutes"] += values["minutes"]
            for status in figures.STATUSES:
                raw[pole_id][f"attendance_{status}"] += values[status]
    sources = [figures.present_persons(ids, part) for ids, _months, rest in plans for part in rest]
    sources += [figures.cached_participants(ids, months) for ids, months, _rest in plans if months]
    if sources:
        present = union(*sources).subquery() if len(sources) > 1 else sources[0].subquery()
        for pole_id, persons in _rows(
            select(present.c.pole_id, func.count(distinct(present.c.person_id))).group_by(present.c.pole_id)
        ):
            raw[pole_id]["distinct_participants"] = int(persons)
    opened = and_(Accompaniment.started_on >= period.first, Accompaniment.started_on <= period.last)
    active = and_(
        Accompaniment.started_on <= period.last,
        or_(Accompaniment.ended_on.is_(None), Accompaniment.ended_on > period.last),
    )
    for pole_id, opened_count, active_count in _rows(
        select(
            Accompaniment.pole_id,
            func.coalesce(func.sum(case((opened, 1), else_=0)), 0),
            func.coalesce(func.sum(case((active, 1), else_=0)), 0),
        )
        .where(Accompaniment.pole_id.in_(pole_ids))
        .group_by(Accompaniment.pole_id)
    ):
        raw[pole_id]["accompaniments_opened"] = int(opened_count)
        raw[pole_id]["accompaniments_active"] = int(active_count)
    for pole_id, count, score_sum in _rows(
        select(
            SatisfactionResponse.pole_id,
            func.count(),
            func.coalesce(func.sum(SatisfactionResponse.score), 0),
        )
        .where(
            SatisfactionResponse.pole_id.in_(pole_ids),
            SatisfactionResponse.answered_at >= period.start_utc,
            SatisfactionResponse.answered_at < period.end_utc,
        )
        .group_by(SatisfactionResponse.pole_id)
    ):
        raw[pole_id]["satisfaction_responses"] = int(count)
        raw[pole_id]["score_sum"] = int(score_sum)
    return raw


# A count of 3 or more hidden so that a count under 3 cannot be recomputed from the total
# (« s », secret statistique, as INSEE tables print it).
SECONDARY_MASK = "s"


def _protected(counts: list[int], primary: set[int], secondary: set[int]) -> bool:
    """Whether a reader knowing the total, the published cells and this rule can still place
    every hidden count under 3 anywhere in 0-2.

    They know: each "< 3" is 0-2; each "s" is 3 or more, and (being the smallest left) no more
    than the smallest published cell. The hidden cells add up to the total minus the published ones.
    """
    published = [c for i, c in enumerate(counts) if i not in primary and i not in secondary]
    hidden_sum = sum(counts[i] for i in primary | secondary)
    others_low = 3 * len(secondary)  # the least the other hidden cells can add up to
    others_high = 2 * (len(primary) - 1)
    if secondary:
        others_high += (min(published) if published else math.inf) * len(secondary)
    # Each "< 3" lies in [hidden_sum - others_high, hidden_sum - others_low], cut to [0, 2].
    return hidden_sum - others_high <= 0 and hidden_sum - others_low >= 2


def secondary_suppression(counts: list[int]) -> tuple[set[int], bool]:
    """Cells to hide beyond those under 3 (the next smallest first), and whether to hide the total.

    Without it, a pole's « < 3 » is the published total minus the other poles' counts.
    """
    primary = {i for i, c in enumerate(counts) if c < 3}
    if not primary or sum(counts) < 3:  # nothing hidden, or the total itself is « < 3 »
        return set(), False
    candidates = sorted((i for i in range(len(counts)) if i not in primary), key=lambda i: (counts[i], i))
    secondary: set[int] = set()
    while not _protected(counts, primary, secondary):
        if not candidates:
            return secondary, True
        secondary.add(candidates.pop(0))
    return secondary, False


def _suppress(entries: list[dict], total: dict[str, Any], raws: list[dict], raw_total: dict) -> None:
    """Apply secondary suppression to one period's published figures, in place."""
    for key in PERSON_COUNTS:
        cells, hide_total = secondary_suppression([raw[key] for raw in raws])
        for i in cells:
            entries[i][key] = SECONDARY_MASK
        if hide_total and raw_total[key] >= 3:
            total[key] = SECONDARY_MASK


def mask(count: int) -> int | str:
    """A count of persons as published: any count under 3 becomes "< 3"."""
    return SMALL_COUNT if count < 3 else count


def _published(raw: dict[str, int]) -> dict[str, Any]:
    marked = raw["attendance_present"] + raw["attendance_excused"] + raw["attendance_absent"]
    figures: dict[str, Any] = {
        "requests": raw["requests"],
        "referrals": raw["referrals"],
        "accompaniments_opened": raw["accompaniments_opened"],
        "accompaniments_active": raw["accompaniments_active"],
        "sessions": raw["sessions"],
        "hours": ratio(raw["minutes"], 60, 2) or 0.0,
        "distinct_participants": raw["distinct_participants"],
        # A rate or a mean over fewer than 3 persons' answers would disclose them: null.
        "attendance_rate": ratio(raw["attendance_present"], marked, 3) if marked >= 3 else None,
        "satisfaction_responses": raw["satisfaction_responses"],
        "satisfaction_mean": (
            ratio(raw["score_sum"], raw["satisfaction_responses"], 2)
            if raw["satisfaction_responses"] >= 3
            else None
        ),
    }
    for key in PERSON_COUNTS:
        figures[key] = mask(figures[key])
    return figures


def regional_report(month: str) -> dict[str, Any]:
    """Headline figures per pole and in total, for `month` and January 1st to its end."""
    year, number = parse_month(month)
    poles = db.session.execute(select(Pole).order_by(Pole.name)).scalars().all()
    by_zone: dict[str, list[Pole]] = defaultdict(list)
    for pole in poles:
        by_zone[pole.timezone].append(pole)
    raw_month: dict[int, dict[str, int]] = {}
    raw_ytd: dict[int, dict[str, int]] = {}
    for zone, zone_poles in by_zone.items():
        ids = [p.id for p in zone_poles]
        period = month_period(year, number, zone)
        ytd = Period(period.first.replace(month=1), period.last, zone)
        raw_month.update(_raw_figures(ids, period))
        raw_ytd.update(_raw_figures(ids, ytd))

    def raw_of(table, pole_id):
        return table.get(pole_id) or defaultdict(int)

    def total(table) -> dict[str, int]:
        summed: dict[str, int] = defaultdict(int)
        for values in table.values():
            for key, value in values.items():
                summed[key] += value
        return summed

    result: dict[str, Any] = {
        "month": month_key(year, number),
        "small_count": SMALL_COUNT,
        "secondary_mask": SECONDARY_MASK,
        "poles": [{"pole": pole.slug, "name": pole.name} for pole in poles],
        "total": {},
    }
    for key, table in (("month", raw_month), ("year_to_date", raw_ytd)):
        raws = [raw_of(table, pole.id) for pole in poles]
        raw_total = total(table)
        for entry, raw in zip(result["poles"], raws, strict=True):
            entry[key] = _published(raw)
        result["total"][key] = _published(raw_total)
        _suppress([entry[key] for entry in result["poles"]], result["total"][key], raws, raw_total)
    return result

"""Every format of a report, rendered from its ONE result dict.

`flatten()` turns a result into (section, key, label, value) rows, used by CSV and XLSX;
`page_sections()` turns it into headed blocks (figure tables, charts with their data
table) used by both the web page and the PDF template.
"""

import json
from datetime import date
from decimal import Decimal
from typing import Any

from flask import render_template
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import lazy_gettext as _l

from app.core.exports import MonthDate, Percent
from app.reports import exports
from app.reports.charts import hbar_chart
from app.reports.periods import parse_month

SECTION_LABELS = {
    "requests": _l("Sollicitations"),
    "referrals": _l("Orientations"),
    "accompaniments": _l("Dossiers d'accompagnement"),
    "sessions": _l("Séances"),
    "satisfaction": _l("Satisfaction"),
    "previous_month": _l("Mois précédent"),
    "same_month_last_year": _l("Même mois l'an dernier"),
    "year_to_date": _l("Depuis le 1er janvier"),
    "referral_answers": _l("Réponses des partenaires"),
}
KEY_LABELS = {
    "total": _l("Total"),
    "by_channel": _l("Par canal"),
    "by_prescriber": _l("Par prescripteur"),
    "by_partner": _l("Par partenaire"),
    "by_thematic": _l("Par thématique"),
    "by_beneficiary": _l("Par type de bénéficiaire"),
    "by_status": _l("Statut à la fin du mois"),
    "by_status_detail": _l("Statut détaillé à la fin du mois"),
    "status_changes_of_earlier_referrals": _l("Orientations antérieures dont le statut a changé"),
    "opened": _l("Ouverts"),
    "closed": _l("Clôturés"),
    "active_at_month_end": _l("Actifs en fin de mois"),
    "by_stage": _l("Dossiers actifs par étape"),
    "by_kind": _l("Par type de séance"),
    "hours": _l("Heures"),
    "distinct_participants": _l("Participant·es distinct·es"),
    "attendance_rate": _l("Taux de présence"),
    "attendances": _l("Émargements"),
    "responses": _l("Réponses"),
    "mean": _l("Note moyenne (sur 5)"),
    "referrals": _l("Orientations"),
    "sessions": _l("Séances"),
    "requests": _l("Sollicitations"),
    "dossiers": _l("Dossiers"),
    "persons": _l("Personnes"),
    "collectives": _l("Collectifs"),
    "stage": _l("Étape choisie"),
    "name": _l("Nom"),
    "id": _l("Identifiant"),
    "reached_stage": _l("Projets ayant atteint l'étape"),
    "financed": _l("Projets financés"),
    "financing_amount": _l("Financements obtenus (€)"),
    "members": _l("Membres"),
    "distribution": _l("Répartition"),
    "mean_regularity": _l("Régularité moyenne"),
    "meetings": _l("Instances tenues"),
    "participation_rate": _l("Taux de participation"),
    "present": _l("Présences"),
    "median_days": _l("Délai médian (jours)"),
    "first_mean": _l("Niveau moyen au premier positionnement"),
    "last_mean": _l("Niveau moyen au dernier positionnement"),
    "improved": _l("Personnes en progression"),
    "has_data": _l("Données disponibles"),
    "accompaniments_opened": _l("Dossiers ouverts"),
    "accompaniments_active": _l("Dossiers actifs en fin de mois"),
    "satisfaction_responses": _l("Réponses de satisfaction"),
    "satisfaction_mean": _l("Satisfaction moyenne"),
    "pole": _l("Ensemble du pôle"),
    "partner_id": _l("Identifiant du partenaire"),
    "sent": _l("Orientations envoyées"),
    "settled": _l("Envoyées au moins 30 jours avant la fin de la période"),
    "answered_within_30_days": _l("Réponse sous 30 jours"),
    "answered_within_30_days_rate": _l("Part de réponses sous 30 jours"),
    "median_days_to_first_answer": _l("Délai médian de première réponse (jours)"),
    "taken_in_charge_within_3_working_days": _l("Prises en charge sous 3 jours ouvrés"),
    "taken_in_charge_within_3_working_days_rate": _l("Part de prises en charge sous 3 jours ouvrés"),
    "taken_in_charge_within_5_working_days": _l("Prises en charge sous 5 jours ouvrés"),
    "taken_in_charge_within_5_working_days_rate": _l("Part de prises en charge sous 5 jours ouvrés"),
    "declined": _l("Refusées"),
    "declined_by_reason": _l("Refus par motif"),
    "expired": _l("Sans réponse (expirées)"),
}
VALUE_LABELS = {
    "by_channel": {
        "permanence": _l("Permanence"),
        "phone": _l("Téléphone"),
        "email": _l("Courriel"),
        "prescriber": _l("Prescripteur"),
        "event": _l("Événement"),
        "other": _l("Autre"),
    },
    "by_kind": {
        "individual": _l("Rendez-vous individuel"),
        "workshop": _l("Atelier collectif"),
        "training": _l("Formation"),
        "governance": _l("Instance de gouvernance"),
        "permanence": _l("Permanence"),
        "network": _l("Événement réseau"),
    },
    "by_status": {
        "proposed": _l("Proposée"),
        "sent": _l("Envoyée"),
        "accepted": _l("Acceptée"),
        "completed": _l("Réalisée"),
        "declined": _l("Refusée"),
        "no_follow_up": _l("Sans suite"),
    },
    "by_status_detail": {
        "proposed": _l("Proposée"),
        "sent": _l("Envoyée"),
        "accepted": _l("Acceptée"),
        "completed": _l("Réalisée"),
        "declined": _l("Refusée"),
        "no_follow_up": _l("Sans suite"),
        "under_review": _l("À l'étude"),
        "expired": _l("Sans réponse"),
    },
    "declined_by_reason": {
        "out_of_scope": _l("Hors de notre champ"),
        "not_eligible": _l("Public non éligible"),
        "already_supported": _l("Déjà accompagné"),
        "unreachable": _l("Injoignable"),
        "no_capacity": _l("Capacité atteinte"),
        "other": _l("Autre"),
    },
    "by_beneficiary": {"individual": _l("Personne"), "collective": _l("Collectif")},
    "attendances": {
        "invited": _l("Invité·e"),
        "present": _l("Présent·e"),
        "excused": _l("Excusé·e"),
        "absent": _l("Absent·e"),
    },
}
VALUE_LABELS["distribution"] = {
    "0-25": _l("moins de 25 %"),
    "25-50": _l("de 25 à 50 %"),
    "50-75": _l("de 50 à 75 %"),
    "75-100": _l("75 % et plus"),
    **{str(n): _l("Note %(n)s", n=n) for n in range(1, 6)},
}
RATE_KEYS = {
    "attendance_rate",
    "participation_rate",
    "mean_regularity",
    "answered_within_30_days_rate",
    "taken_in_charge_within_3_working_days_rate",
    "taken_in_charge_within_5_working_days_rate",
}
ANSWER_FIGURES = (
    "sent",
    "settled",
    "answered_within_30_days",
    "answered_within_30_days_rate",
    "median_days_to_first_answer",
    "taken_in_charge_within_3_working_days",
    "taken_in_charge_within_3_working_days_rate",
    "taken_in_charge_within_5_working_days",
    "taken_in_charge_within_5_working_days_rate",
    "declined",
    "expired",
)


def answers_section(section_id: str, title: str, answers: dict) -> dict:
    """The partners' answers block (monthly report and funder indicators, page and PDF)."""
    pole = answers["pole"]
    columns = ("sent", "answered_within_30_days_rate", "median_days_to_first_answer",
               "taken_in_charge_within_5_working_days_rate", "declined", "expired")  # fmt: skip
    return {
        "id": section_id,
        "title": title,
        "note": str(
            _l(
                "Orientations envoyées pendant la période. Les taux portent sur celles envoyées au moins "
                "30 jours avant la fin de la période (jours ouvrés : hors week-ends et jours fériés)."
            )
        ),
        "figures": [(key_label(k), display(pole[k], k in RATE_KEYS)) for k in ANSWER_FIGURES],
        "charts": [
            _chart(
                f"chart-{section_id}-reasons",
                key_label("declined_by_reason"),
                _mapping_items("declined_by_reason", pole["declined_by_reason"]),
            )
        ],
        "tables": [
            {
                "caption": str(_l("Par partenaire")),
                "header": [str(_l("Partenaire")), *(key_label(c) for c in columns)],
                "rows": [
                    [p["partner"], *(display(p[c], c in RATE_KEYS) for c in columns)]
                    for p in answers["by_partner"]
                ],
            }
        ],
    }


COMPARED = ("referrals", "sessions", "requests")
COMPARISONS = ("previous_month", "same_month_last_year", "year_to_date")


def month_label(key: str) -> str:
    """'2026-10' -> 'octobre 2026'."""
    year, month = parse_month(key)
    return format_date(date(year, month, 1), "MMMM y")


def key_label(key: str) -> str:
    return str(KEY_LABELS.get(key, key))


def value_label(group: str, key: str) -> str:
    return str(VALUE_LABELS.get(group, {}).get(key, key))


def _list_label(item: dict) -> str:
    return next((str(v) for k, v in item.items() if k != "count" and isinstance(v, str)), "")


def _label(parent: str | None, key: str) -> str:
    if parent in VALUE_LABELS and key in VALUE_LABELS[parent]:
        return str(VALUE_LABELS[parent][key])
    return key_label(key)


def _walk(section: str, path: list[str], labels: list[str], value: Any, rows: list) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _walk(section, [*path, key], [*labels, _label(path[-1] if path else None, key)], sub, rows)
    elif isinstance(value, list):
        for item in value:
            name = _list_label(item)
            rest = {k: v for k, v in item.items() if not (isinstance(v, str) and v == name)}
            if list(rest) == ["count"]:
                rows.append((section, ".".join([*path, name]), " — ".join([*labels, name]), rest["count"]))
            else:
                _walk(section, [*path, name], [*labels, name], rest, rows)
    else:
        rows.append((section, ".".join(path), " — ".join(labels), value))


def flatten(result: dict, sections) -> list[tuple[str, str, str, Any]]:
    """(section, key path, French label, value) rows of `sections` of a result."""
    rows: list = []
    for section in sections:
        _walk(section, [], [], result[section], rows)
    return rows


# One decimal, the no-break space Babel's French pattern puts before « % ».
RATE_FORMAT = "#,##0.0\u00a0%"


def display(value: Any, rate: bool = False) -> str:
    """A figure as shown on the page and in the PDF, in the locale's own digits (Babel):
    « 4,5 » · « 143 000 » (narrow no-break space) · « 57,1 % » (no-break space) · — for null."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if rate:
        return format_percent(value, RATE_FORMAT)
    if isinstance(value, int | float | Decimal):
        return format_decimal(value)
    return str(value)


# --- monthly report ---------------------------------------------------------------------------


def _meta_rows(report: dict) -> list[tuple[str, Any]]:
    filters = report.get("filters") or {}
    return [
        ("pole", report["pole"]),
        ("month", report["month"]),
        ("programme", (filters.get("programme") or {}).get("name")),
        ("advisor", (filters.get("advisor") or {}).get("name")),
    ]


ALL = _l("Tous")


def _filter_name(filters: dict, key: str) -> str:
    return (filters.get(key) or {}).get("name") or str(ALL)


def _monthly_meta_sheet(report: dict) -> list[tuple[str, Any]]:
    """The « Rapport » sheet: what the workbook is about, in words, with real dates."""
    filters = report.get("filters") or {}
    year, number = parse_month(report["month"])
    return [
        (str(_l("Pôle")), report.get("pole_name") or report["pole"]),
        (str(_l("Mois")), MonthDate(year, number, 1)),
        (str(_l("Premier jour")), date.fromisoformat(report["period"]["first_day"])),
        (str(_l("Dernier jour")), date.fromisoformat(report["period"]["last_day"])),
        (str(_l("Programme de financement")), _filter_name(filters, "programme")),
        (str(_l("Accompagnateur·rice")), _filter_name(filters, "advisor")),
        (str(_l("Produit le")), date.today()),
    ]


def _sheet_value(key: str, value: Any) -> Any:
    """A figure for a spreadsheet: shares become percentages, other values stay as they are."""
    if key.rsplit(".", 1)[-1] in RATE_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
        return Percent(value)
    return value


# The CSV for machines keeps stable keys (`section;key;value`, a public format); the
# « CSV en clair » (csv_fr) gives the same rows in words, as people read them in a spreadsheet.
CSV_HEADER = ("section", "key", "value")
CSV_FR_HEADER = (_l("Rubrique"), _l("Indicateur"), _l("Valeur"))


MONTHLY_SECTIONS = tuple(SECTION_LABELS)


def monthly_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _csv(meta: list[tuple[str, Any]], flat: list) -> bytes:
    rows = [("report", key, value) for key, value in meta]
    rows += [(section, key, value) for section, key, _label, value in flat]
    return exports.csv_bytes(CSV_HEADER, rows)


def _fr_value(key: str, value: Any) -> Any:
    """A value as French spreadsheets read it: « 57,1 % » for shares, numbers kept as numbers."""
    if key.rsplit(".", 1)[-1] in RATE_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
        return display(value, rate=True)
    return value


def _csv_fr(meta: list[tuple[str, Any]], flat: list, section_labels: dict) -> bytes:
    rows = [(str(_l("Rapport")), label, value) for label, value in meta]
    rows += [(str(section_labels[s]), label, _fr_value(key, value)) for s, key, label, value in flat]
    return exports.csv_bytes([str(h) for h in CSV_FR_HEADER], rows)


def monthly_csv(report: dict) -> bytes:
    return _csv(_meta_rows(report), flatten(report, MONTHLY_SECTIONS))


def monthly_csv_fr(report: dict) -> bytes:
    return _csv_fr(_monthly_meta_sheet(report), flatten(report, MONTHLY_SECTIONS), SECTION_LABELS)


def _section_sheets(flat: list, section_labels: dict) -> list:
    header = (str(_l("Indicateur")), str(_l("Valeur")))
    return [
        (
            str(title),
            header,
            [(label, _sheet_value(key, value)) for s, key, label, value in flat if s == section],
        )
        for section, title in section_labels.items()
    ]


def monthly_xlsx(report: dict) -> bytes:
    meta = (str(_l("Rapport")), (str(_l("Rubrique")), str(_l("Valeur"))), _monthly_meta_sheet(report))
    return exports.xlsx_bytes([meta, *_section_sheets(flatten(report, MONTHLY_SECTIONS), SECTION_LABELS)])


def _chart(chart_id: str, title: str, items: list[tuple[str, Any]], rate: bool = False) -> dict:
    return {
        "id": chart_id,
        "title": title,
        "svg": hbar_chart(chart_id, title, items),
        "rows": [(label, display(value, rate)) for label, value in items],
    }


def _mapping_items(group: str, values: dict) -> list[tuple[str, Any]]:
    return [(value_label(group, key), value) for key, value in values.items()]


def _list_items(values: list[dict]) -> list[tuple[str, Any]]:
    return [(_list_label(item), item["count"]) for item in values]


def monthly_sections(report: dict) -> list[dict]:
    """Headed blocks of the monthly report for the page and the PDF."""
    req, ref, acc, ses, sat = (
        report[k] for k in ("requests", "referrals", "accompaniments", "sessions", "satisfaction")
    )

    def figures(section: str, keys) -> list[tuple[str, str]]:
        return [(key_label(k), display(report[section][k], k in RATE_KEYS)) for k in keys]

    comparison = {
        "caption": str(_l("Comparaisons")),
        "header": [
            str(_l("Indicateur")),
            str(_l("Ce mois")),
            *(str(SECTION_LABELS[c]) for c in COMPARISONS),
        ],
        "rows": [
            [key_label(k), display(report[k]["total"]), *(display(report[c][k]) for c in COMPARISONS)]
            for k in COMPARED
        ],
    }
    return [
        {
            "id": "requests",
            "title": str(SECTION_LABELS["requests"]),
            "figures": figures("requests", ("total",)),
            "charts": [
                _chart(
                    "chart-requests-channel",
                    key_label("by_channel"),
                    _mapping_items("by_channel", req["by_channel"]),
                ),
                _chart(
                    "chart-requests-prescriber",
                    key_label("by_prescriber"),
                    _list_items(req.get("by_prescriber", [])),
                ),
            ],
        },
        {
            "id": "referrals",
            "title": str(SECTION_LABELS["referrals"]),
            "figures": figures("referrals", ("total", "status_changes_of_earlier_referrals")),
            "charts": [
                _chart("chart-referrals-partner", key_label("by_partner"), _list_items(ref["by_partner"])),
                _chart("chart-referrals-thematic", key_label("by_thematic"), _list_items(ref["by_thematic"])),
                _chart(
                    "chart-referrals-beneficiary",
                    key_label("by_beneficiary"),
                    _mapping_items("by_beneficiary", ref["by_beneficiary"]),
                ),
                _chart(
                    "chart-referrals-status",
                    key_label("by_status"),
                    _mapping_items("by_status", ref["by_status"]),
                ),
                *(
                    [
                        _chart(
                            "chart-referrals-status-detail",
                            key_label("by_status_detail"),
                            _mapping_items("by_status_detail", ref["by_status_detail"]),
                        )
                    ]
                    if "by_status_detail" in ref
                    else []
                ),
            ],
        },
        {
            "id": "accompaniments",
            "title": str(SECTION_LABELS["accompaniments"]),
            "figures": figures("accompaniments", ("opened", "closed", "active_at_month_end")),
            "charts": [
                _chart(
                    "chart-accompaniments-stage", key_label("by_stage"), _list_items(acc.get("by_stage", []))
                )
            ],
        },
        {
            "id": "sessions",
            "title": str(SECTION_LABELS["sessions"]),
            "figures": figures("sessions", ("total", "hours", "distinct_participants", "attendance_rate")),
            "charts": [
                _chart("chart-sessions-kind", key_label("by_kind"), _mapping_items("by_kind", ses["by_kind"]))
            ],
        },
        {
            "id": "satisfaction",
            "title": str(SECTION_LABELS["satisfaction"]),
            "figures": [
                (key_label("responses"), display(sat["responses"])),
                (key_label("mean"), display(sat["mean"])),
            ],
            "charts": [],
        },
        {
            "id": "comparisons",
            "title": comparison["caption"],
            "figures": [],
            "charts": [],
            "tables": [comparison],
        },
        *(
            [
                answers_section(
                    "referral-answers", str(SECTION_LABELS["referral_answers"]), report["referral_answers"]
                )
            ]
            if "referral_answers" in report
            else []
        ),
    ]


def monthly_pdf(report: dict, **context) -> bytes:
    html = render_template(
        "reports/monthly_pdf.html",
        report=report,
        sections=monthly_sections(report),
        today=date.today(),
        pole_name=report.get("pole_name", report["pole"]),
        title_month=month_label(report["month"]),
        **context,
    )
    return exports.pdf_bytes(html)


MONTHLY_FORMATS = {
    "json": monthly_json,
    "csv": monthly_csv,
    "csv_fr": monthly_csv_fr,
    "xlsx": monthly_xlsx,
    "pdf": monthly_pdf,
}


# --- funder indicators ------------------------------------------------------------------------

INDICATOR_SECTIONS = {
    "requests": _l("Sollicitations"),
    "accompanied": _l("Personnes et collectifs accompagnés"),
    "projects": _l("Projets structurés et financés"),
    "regularity": _l("Régularité de la participation aux collectifs"),
    "satisfaction": _l("Satisfaction"),
    "skills": _l("Montée en compétences"),
    "governance": _l("Instances de gouvernance"),
    "invited_actors": _l("Participation des acteurs invités"),
    "request_to_first_session": _l("Délai entre la sollicitation et la première séance"),
    "referral_answers": _l("Réponses des partenaires"),
}
NO_DATA = _l("Pas encore de données")


def indicators_rows(result: dict) -> list[tuple[str, str, str, Any]]:
    rows = flatten(result, [s for s in INDICATOR_SECTIONS if s != "skills"])
    if result["skills"]["has_data"]:
        rows += flatten(result, ["skills"])
    else:
        rows.append(("skills", "status", str(INDICATOR_SECTIONS["skills"]), str(NO_DATA)))
    order = list(INDICATOR_SECTIONS)
    rows.sort(key=lambda row: order.index(row[0]))
    return rows


def _indicator_meta(result: dict) -> list[tuple[str, Any]]:
    return [
        ("pole", result["pole"]),
        ("start", result["start"]),
        ("end", result["end"]),
        ("programme", (result["filters"].get("programme") or {}).get("name")),
        ("advisor", (result["filters"].get("advisor") or {}).get("name")),
    ]


def indicators_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def indicators_csv(result: dict) -> bytes:
    return _csv(_indicator_meta(result), indicators_rows(result))


def indicators_csv_fr(result: dict) -> bytes:
    return _csv_fr(_indicators_meta_sheet(result), indicators_rows(result), INDICATOR_SECTIONS)


def _indicators_meta_sheet(result: dict) -> list[tuple[str, Any]]:
    filters = result.get("filters") or {}
    return [
        (str(_l("Pôle")), result.get("pole_name") or result["pole"]),
        (str(_l("Début")), date.fromisoformat(result["start"])),
        (str(_l("Fin")), date.fromisoformat(result["end"])),
        (str(_l("Programme de financement")), _filter_name(filters, "programme")),
        (str(_l("Accompagnateur·rice")), _filter_name(filters, "advisor")),
        (str(_l("Produit le")), date.today()),
    ]


def indicators_xlsx(result: dict) -> bytes:
    meta = (str(_l("Rapport")), (str(_l("Rubrique")), str(_l("Valeur"))), _indicators_meta_sheet(result))
    return exports.xlsx_bytes([meta, *_section_sheets(indicators_rows(result), INDICATOR_SECTIONS)])


def indicator_sections(result: dict) -> list[dict]:
    def figures(section: str, keys) -> list[tuple[str, str]]:
        return [(key_label(k), display(result[section][k], k in RATE_KEYS)) for k in keys]

    regularity = result["regularity"]
    projects = result["projects"]
    skills = result["skills"]
    project_figures = [
        (
            key_label("stage"),
            projects["stage"]["name"] if projects["stage"] else str(_l("aucune étape choisie")),
        ),
        (key_label("reached_stage"), display(projects["reached_stage"])),
        (key_label("financed"), display(projects["financed"])),
        (key_label("financing_amount"), display(projects["financing_amount"])),
    ]
    buckets = list(regularity["distribution"])
    return [
        {
            "id": "requests",
            "title": str(INDICATOR_SECTIONS["requests"]),
            "figures": figures("requests", ("total",)),
            "charts": [
                _chart(
                    "chart-ind-channel",
                    key_label("by_channel"),
                    _mapping_items("by_channel", result["requests"]["by_channel"]),
                )
            ],
        },
        {
            "id": "accompanied",
            "title": str(INDICATOR_SECTIONS["accompanied"]),
            "figures": figures("accompanied", ("dossiers", "persons", "collectives")),
            "charts": [],
        },
        {
            "id": "projects",
            "title": str(INDICATOR_SECTIONS["projects"]),
            "figures": project_figures,
            "charts": [],
        },
        {
            "id": "regularity",
            "title": str(INDICATOR_SECTIONS["regularity"]),
            "note": str(
                _l(
                    "Pour chaque membre : part des séances de son collectif sur la période (depuis son "
                    "arrivée) auxquelles il ou elle était présent·e."
                )
            ),
            "figures": figures("regularity", ("members",)),
            "charts": [
                _chart(
                    "chart-ind-regularity",
                    str(_l("Répartition des membres par régularité")),
                    _mapping_items("distribution", regularity["distribution"]),
                )
            ],
            "tables": [
                {
                    "caption": str(_l("Régularité par collectif")),
                    "header": [
                        str(_l("Collectif")),
                        key_label("members"),
                        key_label("mean_regularity"),
                        *(value_label("distribution", b) for b in buckets),
                    ],
                    "rows": [
                        [
                            c["collective"],
                            display(c["members"]),
                            display(c["mean_regularity"], rate=True),
                            *(display(c["distribution"][b]) for b in buckets),
                        ]
                        for c in regularity["collectives"]
                    ],
                }
            ],
        },
        {
            "id": "satisfaction",
            "title": str(INDICATOR_SECTIONS["satisfaction"]),
            "figures": figures("satisfaction", ("responses", "mean")),
            "charts": [
                _chart(
                    "chart-ind-satisfaction",
                    str(_l("Répartition des notes")),
                    _mapping_items("distribution", result["satisfaction"]["distribution"]),
                )
            ],
        },
        {
            "id": "skills",
            "title": str(INDICATOR_SECTIONS["skills"]),
            "note": None if skills["has_data"] else str(NO_DATA),
            "figures": [],
            "charts": [],
            "tables": (
                [
                    {
                        "caption": str(_l("Premier et dernier auto-positionnement (niveaux 1 à 4)")),
                        "header": [
                            str(_l("Thématique")),
                            key_label("persons"),
                            key_label("first_mean"),
                            key_label("last_mean"),
                            key_label("improved"),
                        ],
                        "rows": [
                            [
                                t["thematic"],
                                display(t["persons"]),
                                display(t["first_mean"]),
                                display(t["last_mean"]),
                                display(t["improved"]),
                            ]
                            for t in skills["by_thematic"]
                        ],
                    }
                ]
                if skills["has_data"]
                else []
            ),
        },
        {
            "id": "governance",
            "title": str(INDICATOR_SECTIONS["governance"]),
            "figures": figures("governance", ("meetings", "participation_rate")),
            "charts": [],
        },
        {
            "id": "invited_actors",
            "title": str(INDICATOR_SECTIONS["invited_actors"]),
            "figures": figures("invited_actors", ("attendances", "present", "participation_rate")),
            "charts": [],
        },
        {
            "id": "request_to_first_session",
            "title": str(INDICATOR_SECTIONS["request_to_first_session"]),
            "figures": figures("request_to_first_session", ("dossiers", "median_days")),
            "charts": [],
        },
        answers_section(
            "ind-referral-answers", str(INDICATOR_SECTIONS["referral_answers"]), result["referral_answers"]
        ),
    ]


def indicators_pdf(result: dict, **context) -> bytes:
    html = render_template(
        "reports/indicators_pdf.html",
        result=result,
        sections=indicator_sections(result),
        today=date.today(),
        pole_name=result.get("pole_name", result["pole"]),
        period_start=date.fromisoformat(result["start"]),
        period_end=date.fromisoformat(result["end"]),
        **context,
    )
    return exports.pdf_bytes(html)


INDICATOR_FORMATS = {
    "json": indicators_json,
    "csv": indicators_csv,
    "csv_fr": indicators_csv_fr,
    "xlsx": indicators_xlsx,
    "pdf": indicators_pdf,
}


# --- regional ---------------------------------------------------------------------------------

REGIONAL_PERIODS = {"month": _l("Mois"), "year_to_date": _l("Depuis le 1er janvier")}


def _regional_figures() -> tuple[str, ...]:
    from app.reports.regional import FIGURES

    return FIGURES


def regional_rows(result: dict) -> list[tuple[str, str, Any]]:
    return [(period, key, value) for period, key, value, _words in _regional_cells(result)]


def _regional_cells(result: dict) -> list[tuple[str, str, Any, str]]:
    """(period, machine key, value, « pole — figure » in words) of every cell."""
    cells = []
    for period in REGIONAL_PERIODS:
        entries = [(e["pole"], e["name"], e[period]) for e in result["poles"]]
        entries.append(("total", str(_l("Total")), result["total"][period]))
        for key, name, figures in entries:
            for figure in _regional_figures():
                cells.append((period, f"{key}.{figure}", figures[figure], f"{name} — {key_label(figure)}"))
    return cells


def regional_json(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def regional_csv(result: dict) -> bytes:
    return exports.csv_bytes(CSV_HEADER, [("report", "month", result["month"]), *regional_rows(result)])


def regional_csv_fr(result: dict) -> bytes:
    year, number = parse_month(result["month"])
    rows = [(str(_l("Rapport")), str(_l("Mois")), MonthDate(year, number, 1))]
    rows += [
        (str(REGIONAL_PERIODS[period]), words, _fr_value(key, value))
        for period, key, value, words in _regional_cells(result)
    ]
    return exports.csv_bytes([str(h) for h in CSV_FR_HEADER], rows)


def _regional_table(result: dict, period: str) -> tuple[list[str], list[list[Any]]]:
    header = [str(_l("Pôle")), *(key_label(f) for f in _regional_figures())]
    rows = [[e["name"], *(e[period][f] for f in _regional_figures())] for e in result["poles"]]
    rows.append([str(_l("Total")), *(result["total"][period][f] for f in _regional_figures())])
    return header, rows


def regional_xlsx(result: dict) -> bytes:
    sheets = []
    figures = _regional_figures()
    for period, title in REGIONAL_PERIODS.items():
        header, rows = _regional_table(result, period)
        rows = [
            [row[0], *(_sheet_value(f, v) for f, v in zip(figures, row[1:], strict=True))] for row in rows
        ]
        sheets.append((str(title), header, rows))
    return exports.xlsx_bytes(sheets)


def regional_sections(result: dict) -> list[dict]:
    sections = []
    for period, title in REGIONAL_PERIODS.items():
        header, rows = _regional_table(result, period)
        shown = [
            [row[0], *(display(v, f in RATE_KEYS) for f, v in zip(_regional_figures(), row[1:], strict=True))]
            for row in rows
        ]
        sessions = [(e["name"], e[period]["sessions"]) for e in result["poles"]]
        sections.append(
            {
                "id": f"regional-{period}",
                "title": str(title),
                "figures": [],
                "tables": [{"caption": str(title), "header": header, "rows": shown}],
                "charts": [_chart(f"chart-regional-{period}", str(_l("Séances par pôle")), sessions)],
            }
        )
    return sections


def regional_pdf(result: dict, **context) -> bytes:
    html = render_template(
        "reports/regional_pdf.html",
        result=result,
        sections=regional_sections(result),
        today=date.today(),
        title_month=month_label(result["month"]),
        **context,
    )
    return exports.pdf_bytes(html, landscape=True)


REGIONAL_FORMATS = {
    "json": regional_json,
    "csv": regional_csv,
    "csv_fr": regional_csv_fr,
    "xlsx": regional_xlsx,
    "pdf": regional_pdf,
}

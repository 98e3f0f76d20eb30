"""Report pages and downloads: monthly report, funder indicators, regional view.

Each view computes ONE result with the services, then renders it in the asked format
(HTML page, JSON, CSV, XLSX, PDF). Every download is written to the audit journal.
"""

from datetime import date

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.audit import record_audit
from app.core.permissions import REGIONAL, roles_required, staff_required
from app.extensions import db
from app.reports import bp, exports, formats
from app.reports.forms import IndicatorsForm, MonthlyForm, RegionalForm
from app.reports.indicators import funder_indicators
from app.reports.periods import (
    ReportError,
    local_today,
    month_key,
    parse_month,
    previous_month_key,
    shift_month,
)
from app.reports.regional import regional_report
from app.reports.services import monthly_report

month_label = formats.month_label  # "2026-10" -> "octobre 2026"

DOWNLOADS = ("pdf", "xlsx", "csv_fr", "csv", "json")
FORMATS = ("html", *DOWNLOADS)
EXTENSIONS = {"csv_fr": "csv"}


def _filename(stem: str, fmt: str) -> str:
    suffix = "-en-clair" if fmt == "csv_fr" else ""
    return f"{stem}{suffix}.{EXTENSIONS.get(fmt, fmt)}"


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _month_url_until_now(endpoint: str, key: str, zone: str, **args) -> str | None:
    """The link to month `key`, or None once it is in the future (nothing to report yet)."""
    today = local_today(zone)
    if key > month_key(today.year, today.month):
        return None
    return url_for(endpoint, month=key, **args)


def _audit_download(report: str, fmt: str, params: dict) -> None:
    record_audit("export.report", None, {"report": report, "format": fmt, **params})
    db.session.commit()


def _mark_field(form, exc: ReportError) -> None:
    """Show the error under the field at fault too (the page also shows it at the top)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [str(exc)]


def _error_response(fmt: str, message: str, template: str, **context):
    if fmt == "html":
        return render_template(template, error=message, **context), 400
    return jsonify({"error": message}), 400


# --- monthly ------------------------------------------------------------------------------


@bp.route("/monthly")
@staff_required
def monthly():
    return _monthly(request.args.get("format") or "html")


@bp.route("/monthly.json")
@staff_required
def monthly_json():
    return _monthly("json")


def _monthly(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    pole = current_user.pole
    form = MonthlyForm(pole, formdata=request.args)
    month = (form.month.data or "").strip() or previous_month_key(pole.timezone)
    if not form.validate():
        message = _("Les filtres contiennent des erreurs : corrigez les champs signalés.")
        return _error_response(fmt, message, "reports/monthly.html", form=form, report=None)
    programme_id, advisor_id = _int_or_none(form.programme.data), _int_or_none(form.advisor.data)
    try:
        report = monthly_report(pole, month, programme_id=programme_id, advisor_id=advisor_id)
    except ReportError as exc:
        _mark_field(form, exc)
        return _error_response(fmt, str(exc), "reports/monthly.html", form=form, report=None)
    month = report["month"]
    filters = {"programme": form.programme.data or None, "advisor": form.advisor.data or None}
    if fmt == "html":
        year, number = parse_month(month)
        prev_key = month_key(*shift_month(year, number, -1))
        next_key = month_key(*shift_month(year, number, 1))
        form.month.data = month
        return render_template(
            "reports/monthly.html",
            form=form,
            report=report,
            sections=formats.monthly_sections(report),
            title_month=month_label(month),
            prev_url=url_for("reports.monthly", month=prev_key, **filters),
            prev_label=month_label(prev_key),
            next_url=_month_url_until_now("reports.monthly", next_key, pole.timezone, **filters),
            next_label=month_label(next_key),
            today=local_today(pole.timezone),
            downloads=[
                (fmt_, url_for("reports.monthly", month=month, format=fmt_, **filters)) for fmt_ in DOWNLOADS
            ],
        )
    _audit_download("monthly", fmt, {"month": month, "programme_id": programme_id, "advisor_id": advisor_id})
    filename = _filename(f"rapport-mensuel-{pole.slug}-{month}", fmt)
    return exports.download(formats.MONTHLY_FORMATS[fmt](report), filename, fmt)


# --- funder indicators ---------------------------------------------------------------------


@bp.route("/indicators")
@staff_required
def indicators():
    fmt = request.args.get("format") or "html"
    if fmt not in FORMATS:
        abort(404)
    pole = current_user.pole
    form = IndicatorsForm(pole, formdata=request.args)
    if not form.validate():
        message = _("Les filtres contiennent des erreurs : corrigez les champs signalés.")
        return _error_response(fmt, message, "reports/indicators.html", form=form, result=None)
    params = {
        "start": (form.start.data or "").strip() or None,
        "end": (form.end.data or "").strip() or None,
        "stage_id": _int_or_none(form.stage.data),
        "programme_id": _int_or_none(form.programme.data),
        "advisor_id": _int_or_none(form.advisor.data),
    }
    try:
        result = funder_indicators(pole, **params)
    except ReportError as exc:
        _mark_field(form, exc)
        return _error_response(fmt, str(exc), "reports/indicators.html", form=form, result=None)
    db.session.commit()  # keeps the monthly figures recomputed on the way
    form.start.data, form.end.data = result["start"], result["end"]
    args = {
        "start": result["start"],
        "end": result["end"],
        "stage": form.stage.data or None,
        "programme": form.programme.data or None,
        "advisor": form.advisor.data or None,
    }
    if fmt == "html":
        return render_template(
            "reports/indicators.html",
            form=form,
            result=result,
            sections=formats.indicator_sections(result),
            period_start=date.fromisoformat(result["start"]),
            period_end=date.fromisoformat(result["end"]),
            downloads=[(f, url_for("reports.indicators", format=f, **args)) for f in DOWNLOADS],
        )
    _audit_download("indicators", fmt, params)
    filename = _filename(f"indicateurs-{pole.slug}-{result['start']}-{result['end']}", fmt)
    return exports.download(formats.INDICATOR_FORMATS[fmt](result), filename, fmt)


# --- regional --------------------------------------------------------------------------------


@bp.route("/regional")
@roles_required(REGIONAL)
def regional():
    fmt = request.args.get("format") or "html"
    if fmt not in FORMATS:
        abort(404)
    form = RegionalForm(formdata=request.args)
    month = (form.month.data or "").strip() or previous_month_key("Europe/Paris")
    try:
        result = regional_report(month)
    except ReportError as exc:
        _mark_field(form, exc)
        return _error_response(fmt, str(exc), "reports/regional.html", form=form, result=None)
    db.session.commit()  # keeps the monthly figures recomputed on the way
    month = result["month"]
    if fmt == "html":
        year, number = parse_month(month)
        prev_key = month_key(*shift_month(year, number, -1))
        next_key = month_key(*shift_month(year, number, 1))
        form.month.data = month
        return render_template(
            "reports/regional.html",
            form=form,
            result=result,
            sections=formats.regional_sections(result),
            title_month=month_label(month),
            prev_url=url_for("reports.regional", month=prev_key),
            prev_label=month_label(prev_key),
            next_url=_month_url_until_now("reports.regional", next_key, "Europe/Paris"),
            next_label=month_label(next_key),
            downloads=[(f, url_for("reports.regional", month=month, format=f)) for f in DOWNLOADS],
        )
    _audit_download("regional", fmt, {"month": month})
    filename = _filename(f"statistiques-regionales-{month}", fmt)
    return exports.download(formats.REGIONAL_FORMATS[fmt](result), filename, fmt)

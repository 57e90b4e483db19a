"""E-mail reminders of a PAR round's calendar: one digest listing, per commune, the steps that
are overdue or due within PAR_REMINDER_DAYS. Off unless MAIL_SERVER is configured.

The standard library's smtplib is enough for one message to a few addresses; the SMTP class
is a parameter so tests pass a fake and never open a network connection.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from typing import Any

from survey_app.par.calendar import Step, round_steps, unit_steps
from survey_app.par.models import ParRound
from survey_app.par.rules import ParConflict, show_moment

SmtpFactory = Callable[..., smtplib.SMTP]


def mail_configured(config: Mapping[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER")) and bool(config.get("PAR_REMINDER_RECIPIENTS"))


def _pending(step: Step, now: dt.datetime, horizon: dt.timedelta) -> str:
    """'QUÁ HẠN' / 'sắp đến hạn' / '' for a step."""
    if step.overdue:
        return "QUÁ HẠN"
    if step.state == "due" and step.due is not None and step.due - now <= horizon:
        return "sắp đến hạn"
    return ""


def reminder_lines(par_round: ParRound, now: dt.datetime, days: int) -> list[str]:
    """The digest's lines; empty when nothing is overdue or coming up."""
    horizon = dt.timedelta(days=days)
    lines = []
    for step in round_steps(par_round, now):
        if step.key in ("council_due", "survey"):
            flag = _pending(step, now, horizon)
            if flag:
                lines.append(f"- {step.label}: {flag}, hạn {show_moment(step.due)}")
    for assessment in sorted(par_round.assessments, key=lambda a: a.unit.code):
        for step in unit_steps(assessment, now):
            flag = _pending(step, now, horizon)
            if flag:
                lines.append(
                    f"- {assessment.unit.name}: {step.label}: {flag}, hạn {show_moment(step.due)}"
                )
    return lines


def build_message(
    par_round: ParRound, now: dt.datetime, config: Mapping[str, Any]
) -> EmailMessage | None:
    """The reminder e-mail, or None when there is nothing to remind anyone of."""
    lines = reminder_lines(par_round, now, int(config.get("PAR_REMINDER_DAYS", 3)))
    if not lines:
        return None
    message = EmailMessage()
    message["Subject"] = f"[Chỉ số CCHC] Nhắc việc đợt {par_round.code}: {len(lines)} việc"
    message["From"] = str(config["MAIL_SENDER"])
    message["To"] = ", ".join(config["PAR_REMINDER_RECIPIENTS"])
    body = [
        f"Đợt {par_round.code} — {par_round.title}",
        f"Các việc quá hạn hoặc đến hạn trong {config.get('PAR_REMINDER_DAYS', 3)} ngày tới "
        f"(tính đến {show_moment(now)}):",
        "",
        *lines,
        "",
        "Thư gửi tự động từ hệ thống khảo sát SIPAS và Chỉ số CCHC; xem lịch trên trang "
        "Lịch của đợt.",
    ]
    message.set_content("\n".join(body))
    return message


def send_reminder(
    par_round: ParRound,
    now: dt.datetime,
    config: Mapping[str, Any],
    smtp: SmtpFactory | None = None,
) -> tuple[int, Sequence[str]]:
    """Send the digest; returns (lines sent, recipients). (0, []) when nothing is pending.

    Raises ParConflict when mail is not configured or the server refuses.
    """
    if not mail_configured(config):
        raise ParConflict(
            "Chưa cấu hình gửi thư (MAIL_SERVER và PAR_REMINDER_RECIPIENTS): nhắc việc qua "
            "e-mail đang tắt."
        )
    message = build_message(par_round, now, config)
    if message is None:
        return 0, []
    recipients = list(config["PAR_REMINDER_RECIPIENTS"])
    try:
        # Looked up at call time, so a test's fake smtplib.SMTP is used by the CLI too.
        factory = smtp or smtplib.SMTP
        with factory(str(config["MAIL_SERVER"]), int(config["MAIL_PORT"]), timeout=30) as server:
            if config.get("MAIL_USE_TLS"):
                server.starttls()
            if config.get("MAIL_USERNAME"):
                server.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
            server.send_message(message, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as error:
        raise ParConflict(f"Máy chủ thư không nhận thư nhắc việc: {error}") from None
    lines = message.get_content().count("\n- ")
    return lines, recipients

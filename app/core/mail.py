"""Sending email: through SMTP when configured, otherwise written to the log."""

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text email. Failures are logged, never shown to the user as a crash."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    outbox = current_app.extensions.setdefault("mail_outbox", [])
    if current_app.testing:
        outbox.append(msg)
    if not cfg.get("MAIL_SERVER"):
        current_app.logger.info("Mail (no SMTP configured) to %s: %s\n%s", to, subject, body)
        return
    try:
        if cfg["MAIL_USE_SSL"]:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                cfg["MAIL_SERVER"], cfg["MAIL_PORT"], context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15)
            if cfg["MAIL_USE_TLS"]:
                server.starttls(context=ssl.create_default_context())
        with server:
            if cfg["MAIL_USERNAME"]:
                server.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            server.send_message(msg)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send mail to %s (%s)", to, subject)

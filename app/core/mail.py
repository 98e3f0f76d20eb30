"""Sending e-mail: the one function every domain calls. It queues the mail in the outbox
(app/mail/services.py), in the caller's transaction; `flask mail send` delivers it."""

from app.mail.services import Attachment, render_mail, send_mail

__all__ = ["Attachment", "render_mail", "send_mail"]

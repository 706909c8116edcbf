"""A real SMTP server's side of the mail: what it received, or its refusal."""

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

RESET_LINK = re.compile(r"https?://\S+/reset_password/\S+")


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def reset_link(self) -> str:
        links = RESET_LINK.findall(self.text)
        assert len(links) == 1, f"expected one reset link in:\n{self.text}"
        return links[0]


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts, or refuses every recipient."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse: bool = False
    messages: list[ReceivedMail] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def only_message(self) -> ReceivedMail:
        assert len(self.messages) == 1, f"expected one email, got {len(self.messages)}"
        return self.messages[0]

    def settings(self) -> dict:
        """The app settings that send mail here."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_SUPPRESS_SEND": False}

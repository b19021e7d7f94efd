"""Refusals. Every refusal carries a code from SPEC.md and one plain sentence."""


class OutreachError(Exception):
    code = "invalid_input"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


def refuse(code: str, message: str) -> OutreachError:
    """Build a refusal with a SPEC.md error code (raise the result)."""
    return OutreachError(message, code)


class DamagedDatabase(OutreachError):
    """SQLite says the file is damaged: a refusal for every command, and a finding for `doctor` (L10)."""
    code = "database_error"

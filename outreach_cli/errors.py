"""Refusals. Every refusal carries a code from docs/rules.md and one plain sentence."""


class OutreachError(Exception):
    code = "invalid_input"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Refusals(OutreachError):
    """Several refusals of one request named in one sentence (`schedule` names every problem of a draft): the code
    is the first one's, and `problems` lists each as {code, message} (the JSON error object carries it)."""

    def __init__(self, message: str, code: str, problems: list[dict]):
        super().__init__(message, code)
        self.problems = problems


def refuse(code: str, message: str) -> OutreachError:
    """Build a refusal with an error code of docs/rules.md (raise the result)."""
    return OutreachError(message, code)


class DamagedDatabase(OutreachError):
    """SQLite says the file is damaged: a refusal for every command, and a finding for `doctor` (L10)."""
    code = "database_error"


class NotFound(OutreachError):
    """The repository has no such row. It names the kind of row and the key asked for; the services turn it
    into the sentence a recruiter reads (services.common.found), which may point at a command."""
    code = "not_found"

    def __init__(self, what: str, key, removed: bool = False, malformed: bool = False, out_of_range: bool = False):
        super().__init__(f"There is no {what} {key!r}.", "not_found")
        self.what, self.key, self.removed = what, key, removed
        # an id that is no whole number at all, or one outside 1..2**62 (repo.parse_id): no row, said as such
        self.malformed, self.out_of_range = malformed, out_of_range

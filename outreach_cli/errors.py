"""Refusals. Every refusal carries an error code (one of the constants below, each listed in docs/rules.md's
"JSON output") and one plain sentence."""

# The error codes of the JSON error object `{"error": {"code": CODE, "message": TEXT}}`, in the order the
# manual lists them. tests/unit/test_errors_documented.py checks each is documented and that no other is raised.
ALREADY_INITIALIZED = "already_initialized"
NOT_INITIALIZED = "not_initialized"
NOT_FOUND = "not_found"
INVALID_STATE = "invalid_state"
TIME_IN_PAST = "time_in_past"
UNKNOWN_TIMEZONE = "unknown_timezone"
INVALID_TIME = "invalid_time"
INVALID_DELAY = "invalid_delay"
INVALID_MESSAGE = "invalid_message"
FOLLOWUP_NOT_AVAILABLE = "followup_not_available"
AUTOMATION_DISABLED = "automation_disabled"
INSUFFICIENT_CREDITS = "insufficient_credits"
MONTHLY_LIMIT_REACHED = "monthly_limit_reached"
SEAT_RESTRICTED = "seat_restricted"
CANDIDATE_OPTED_OUT = "candidate_opted_out"
OUT_OF_NETWORK = "out_of_network"
ALREADY_RESPONDED = "already_responded"
UNKNOWN_PLACEHOLDER = "unknown_placeholder"
MISSING_VALUE = "missing_value"
TEMPLATE_EXISTS = "template_exists"
INVALID_INPUT = "invalid_input"
DATABASE_LOCKED = "database_locked"
DATABASE_ERROR = "database_error"
TRANSPORT_ERROR = "transport_error"
NOT_CONFIGURED = "not_configured"
PERMISSION_DENIED = "permission_denied"


class OutreachError(Exception):
    code = INVALID_INPUT

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

    code = DATABASE_ERROR


class NotFound(OutreachError):
    """The repository has no such row. It names the kind of row and the key asked for; the services turn it
    into the sentence a recruiter reads (services.common.found), which may point at a command."""

    code = NOT_FOUND

    def __init__(self, what: str, key, removed: bool = False, malformed: bool = False, out_of_range: bool = False):
        super().__init__(f"There is no {what} {key!r}.", NOT_FOUND)
        self.what, self.key, self.removed = what, key, removed
        # an id that is no whole number at all, or one outside 1..2**62 (repo.parse_id): no row, said as such
        self.malformed, self.out_of_range = malformed, out_of_range

"""What every plugin declares in its own class: a transport (`transports/`, D1) and a mail source (`incoming/`, I1).

A plugin is one module named after its kind (`transports/smtp.py`, `incoming/imap.py`) holding one class that
claims that kind. The class declares its options, each an `Option` with whether it is required, its default and
its check, and the rules that tie its options together (`check_together`). `delivery set` and `mailbox set`
validate through these declarations (`Plugin.checked`); `delivery show`, `mailbox show` and the tick read
`Plugin.effective` (every option, defaults filled in). The registry (`plugin_class`, `kinds`) finds a kind's class
by its module's name, importing that one module only, and checks that the class it finds claims the kind.
"""

from __future__ import annotations

import importlib
import keyword
import os
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from .errors import INVALID_INPUT, refuse
from .passwords import AUTHS, ENV_NAME

DEFAULT_TIMEOUT = 60  # seconds, for a transport (D1) or a mailbox (I1)
MAX_TIMEOUT = 3600

Check = Callable[[str, Any], Any]  # (flag, value given) -> the value to store, or an INVALID_INPUT refusal


class Option:
    """One option of a plugin, named as the CLI's flag without its dashes (`password_env` is --password-env).

    default: a value, or a function of the settings whose plain defaults are filled in (SMTP's port follows its
    security); check: takes the flag and the value given, returns the value to store (a path made absolute) or
    refuses with one sentence. (A plain class, not a dataclass: it is built on an idle tick's path.)"""

    __slots__ = ("name", "required", "default", "check")

    def __init__(self, name: str, *, required: bool = False, default: Any = None, check: Check | None = None):
        self.name = name
        self.required = required
        self.default = default
        self.check = check

    def copy(self, *, required: bool) -> Option:
        """The same option, required or not (IMAP needs the user that SMTP takes optionally)."""
        return Option(self.name, required=required, default=self.default, check=self.check)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def __repr__(self) -> str:
        return f"Option({self.name!r}, required={self.required}, default={self.default!r})"


class Plugin:
    """The base of the plugin bases (`transports.Transport`, `incoming.source.MailSource`)."""

    kind: ClassVar[str]
    OPTIONS: ClassVar[tuple[Option, ...]] = ()

    @classmethod
    def described(cls) -> str:
        """The plugin in a sentence: "the smtp transport", "an imap mailbox"."""
        raise NotImplementedError

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(option.name for option in cls.OPTIONS)

    @classmethod
    def effective(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Every option, in declaration order, the stored value or its default (D2: what `show` prints)."""
        settings = {o.name: options.get(o.name) or (None if callable(o.default) else o.default) for o in cls.OPTIONS}
        for option in cls.OPTIONS:
            if settings[option.name] is None and callable(option.default):
                settings[option.name] = option.default(settings)
        return settings

    @classmethod
    def checked(cls, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The options to store from those given (None: not given), and the warnings: an option the plugin does not
        take, a required one missing, each option's check, then `check_together`; each refusal is one sentence."""
        options = {key: value for key, value in given.items() if value is not None}
        wrong = ["--" + key.replace("_", "-") for key in options if key not in cls.option_names()]
        if wrong:
            raise refuse(INVALID_INPUT, f"{', '.join(wrong)} does not apply to {cls.described()}.")
        missing = [option.flag for option in cls.OPTIONS if option.required and not options.get(option.name)]
        if missing:
            described = cls.described()
            raise refuse(INVALID_INPUT, f"{described[0].upper()}{described[1:]} needs {' and '.join(missing)}.")
        for option in cls.OPTIONS:
            if option.check is not None and option.name in options:
                options[option.name] = option.check(option.flag, options[option.name])
        return options, cls.check_together(options)

    @classmethod
    def check_together(cls, options: dict[str, Any]) -> list[str]:
        """The rules between options (each given one already checked); returns warnings, or refuses."""
        return []


# ---------------------------------------------------------------- the registry

P = TypeVar("P", bound=Plugin)


def plugin_class(package: str, base: type[P], kind: str) -> type[P] | None:
    """The class of `kind`: the one subclass of `base` defined in the module `package.kind` (None when there is no
    such module, or it defines no plugin). A module whose plugin claims another kind is a bug, said at once."""
    if not kind.isidentifier() or kind.startswith("_") or keyword.iskeyword(kind):
        return None
    name = f"{package}.{kind}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value is not base and value.__module__ == name
    ]
    if not found:
        return None
    if len(found) != 1 or getattr(found[0], "kind", None) != kind:
        claims = ", ".join(f"{cls.__name__} ({getattr(cls, 'kind', None)!r})" for cls in found)
        raise TypeError(f"{name} must define one {base.__name__} claiming kind {kind!r}, not {claims}")
    return found[0]


def kinds(package: str, base: type[P]) -> list[str]:
    """Every kind in `package`, sorted (for a refusal's "use one of" and the contract tests: it imports them all)."""
    import pkgutil

    module = importlib.import_module(package)
    names = sorted(info.name for info in pkgutil.iter_modules(module.__path__) if not info.name.startswith("_"))
    return [name for name in names if plugin_class(package, base, name) is not None]


# ---------------------------------------------------------------- the checks options share


def printable(flag: str, value: str) -> str:
    if not value.strip() or any(ord(ch) < 32 for ch in value):
        raise refuse(INVALID_INPUT, f"{flag} must be non-empty printable text.")
    return value


def absolute_path(flag: str, value: str) -> str:
    """Text, stored absolute: cron runs `tick` from another directory."""
    return os.path.abspath(os.path.expanduser(printable(flag, value)))


def seconds(flag: str, value: float) -> float:
    if not 1 <= value <= MAX_TIMEOUT:
        raise refuse(INVALID_INPUT, f"{flag} must be 1 to {MAX_TIMEOUT} seconds, not {value}.")
    return value


def port(flag: str, value: int) -> int:
    if not 1 <= value <= 65535:
        raise refuse(INVALID_INPUT, f"{flag} must be 1 to 65535, not {value}.")
    return value


def one_of(*choices: str, fold: bool = False) -> Check:
    """A check that takes one of `choices` (`fold`: in any case, stored in lower case)."""

    def check(flag: str, value: str) -> str:
        value = value.lower() if fold else value
        if value not in choices:
            raise refuse(INVALID_INPUT, f"{flag} takes {', '.join(choices[:-1])} or {choices[-1]}, not {value!r}.")
        return value

    return check


def env_name(flag: str, value: str) -> str:
    """D2: the NAME of an environment variable; what was given is not repeated, since it may be the password (D19)."""
    if not ENV_NAME.fullmatch(value):
        raise refuse(
            INVALID_INPUT,
            f"{flag} takes the NAME of an environment variable (letters, digits and "
            "_, not starting with a digit), never the password itself.",
        )
    return value


TIMEOUT = Option("timeout", default=DEFAULT_TIMEOUT, check=seconds)
# What an SMTP transport and an IMAP mailbox both take, beside the host, the port and the security.
USER = Option("user", check=printable)
AUTH = Option("auth", default=AUTHS[0], check=one_of(*AUTHS, fold=True))
PASSWORD_ENV = Option("password_env", check=env_name)
PASSWORD_COMMAND = Option("password_command", check=printable)
CA_FILE = Option("ca_file", check=absolute_path)


def check_server(options: dict[str, Any], securities: tuple[str, ...], security: str, carries: str) -> None:
    """What an SMTP transport (D1) and an IMAP mailbox (I1) check together: `none` only to loopback, a CA file only
    with TLS and only if it exists, and the login method (M4). `carries` says what would travel unencrypted."""
    from .network import is_loopback

    if security == "none" and not is_loopback(options["host"]):
        raise refuse(
            INVALID_INPUT,
            f"--security none would send the password and {carries} unencrypted to "
            f"{options['host']}; it is allowed only to a loopback address such as 127.0.0.1.",
        )
    if security == "none" and options.get("ca_file"):
        raise refuse(INVALID_INPUT, f"--ca-file needs --security {securities[0]} or {securities[1]}.")
    if options.get("ca_file") and not os.path.isfile(options["ca_file"]):
        raise refuse(INVALID_INPUT, f"--ca-file {options['ca_file']} is not a file.")
    if options.get("auth") != "xoauth2":
        return
    # M4: an access token expires within the hour, so it comes from a command run at each connection
    if options.get("password_env"):
        raise refuse(
            INVALID_INPUT,
            "--auth xoauth2 takes its access token from --password-command CMD (run at "
            "each connection, since a token expires within the hour), not --password-env.",
        )
    if not options.get("user") or not options.get("password_command"):
        raise refuse(
            INVALID_INPUT,
            "--auth xoauth2 needs --user (the account the token is for) and "
            "--password-command CMD that prints an access token.",
        )

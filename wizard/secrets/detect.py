"""Which environment variables hold secrets, and how to display them masked.

The rules are shared by every step that shows or stores environment values (the Secrets step,
the mapping diff, status output), so a value is masked the same way everywhere:

- by name: a variable whose name has a word part such as PASSWORD, PASS, PWD, SECRET, TOKEN,
  KEY, SALT, PRIVATE or CREDENTIALS (`POSTGRES_PASSWORD`, `MYSQL_PWD`, `OPENAI_API_KEY`), or ends
  in AUTH (`REDIS_AUTH`). Word parts, not substrings: `KEYBOARD_LAYOUT` and `PASSENGER_COUNT`
  are not secrets; nor is a name ending in FILE, PATH or DIR (`POSTGRES_PASSWORD_FILE` holds
  where the secret is), nor a flag's value (`REQUIRE_PASSWORD=yes`);
- by shape: a URL with a password in it (`postgresql://user:pw@host/db`).

All functions are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "••••••"

# Whole word parts that make a name secret. API_KEY is covered by KEY, which is a part of it.
SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PASS",
        "PASSPHRASE",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "KEY",
        "KEYS",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "SALT",
        "PEPPER",
    }
)
# Secret only as the name's last part: REDIS_AUTH, BASIC_AUTH (a password or a user:password),
# while AUTH_URL, OAUTH_ENABLED and AUTH_PROVIDER are not.
_SECRET_LAST = frozenset({"AUTH"})
# A name whose last part is one of these holds where a secret is, not the secret:
# POSTGRES_PASSWORD_FILE=/run/secrets/db-password, SSL_KEY_PATH, SECRETS_DIR.
_NOT_THE_SECRET = frozenset({"FILE", "PATH", "DIR", "LENGTH", "ENABLED", "ALGORITHM"})
# Values that switch something on or off: a secret-sounding name with one of these holds no
# secret (REQUIRE_PASSWORD=yes).
FLAGS = frozenset({"", "yes", "no", "true", "false", "on", "off", "0", "1", "none", "null"})
# A part that ends with one of these is a glued-together secret name (DBPASSWORD, AUTHTOKEN).
# KEY and PASS are left out on purpose: MONKEY, COMPASS, BYPASS are ordinary words.
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY")

# camelCase boundaries (apiKey -> api Key, HTTPSToken -> HTTPS Token), then separators.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")

# scheme://[user]:password@rest — the password may hold characters a URL should have escaped
# ('/', '@'), so the userinfo runs to the last '@' (before any whitespace).
_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)"
    r"(?P<user>[^:@/?#\s]*):(?P<password>\S*)@(?P<rest>[^@\s]*)$"
)
_PORT_THEN_PATH = re.compile(r"^\d+(?:[/?#]|$)")
# scheme://TOKEN@rest: an API key as the URL's whole userinfo (https://KEY@sentry.io/1).
_URL_TOKEN = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<token>[^:@/?#\s]+)@(?P<rest>[^@\s]*)$"
)
# A long run of letters and digits (and the few marks keys use): an API key or a token pasted
# as a value under an innocent name. Long enough that words and versions are not caught.
_TOKEN = re.compile(r"^[A-Za-z0-9_\-+=.~]{24,}$")
_REFERENCE = re.compile(r"^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\})$")


def name_parts(env_name: str) -> list[str]:
    """The upper-cased word parts of a variable name: `openaiApiKey` -> OPENAI, API, KEY."""
    spaced = _CAMEL.sub("_", env_name)
    return [part.upper() for part in _SEPARATORS.split(spaced) if part]


def is_secret_name(env_name: str) -> bool:
    """True when the variable's name says it holds a secret (word-part based)."""
    parts = name_parts(env_name)
    if not parts or parts[-1] in _NOT_THE_SECRET:
        return False
    if parts[-1] in _SECRET_LAST:
        return True
    if parts[-1] == "PWD" and len(parts) > 1:  # MYSQL_PWD; PWD alone is the shell's folder
        return True
    for part in parts:
        if part in SECRET_WORDS:
            return True
        if any(part.endswith(suffix) for suffix in _SECRET_SUFFIXES):
            return True
    return False


@dataclass(frozen=True)
class UrlParts:
    scheme: str  # with "://"
    user: str
    password: str
    rest: str  # host, port, path, query: everything after the '@'
    token_only: bool = False  # the userinfo is one token, no user: scheme://TOKEN@rest


def split_url_password(value: str) -> UrlParts | None:
    """The parts of a URL that carries a password, or None when it carries none."""
    match = _URL.match(value.strip())
    if match is None or not match["password"]:
        token = _URL_TOKEN.match(value.strip())
        if token is not None and looks_like_token(token["token"], minimum=16):
            return UrlParts(token["scheme"], "", token["token"], token["rest"], token_only=True)
        return None
    if "/" in match["password"] and _PORT_THEN_PATH.match(match["password"]):
        # http://host:8080/path@x is a port and a path with an '@', not user:password.
        return None
    return UrlParts(match["scheme"], match["user"], match["password"], match["rest"])


def url_password(value: str) -> bool:
    """True when the value is a URL with `user:password@` (or `:password@`) in it."""
    return split_url_password(value) is not None


def mask(value: str | None = None) -> str:
    """The masked form of any secret value: always the same, so it tells nothing, not its length."""
    return MASK


def is_reference(text: str) -> bool:
    """True when the text is only a variable reference: `$(VAR)` (Kubernetes) or `${VAR}`."""
    return _REFERENCE.match(text) is not None


def masked_url(value: str, keep_references: bool = False) -> str:
    """The URL with its password masked; scheme, user, host, port and path kept.

    `postgresql+asyncpg://pstrag:s3cret@postgres:5432/db` ->
    `postgresql+asyncpg://pstrag:••••••@postgres:5432/db`. A value without a password in it is
    returned as it is. With `keep_references`, a password that is only a `$(VAR)` reference is
    no secret value and is kept as written.
    """
    parts = split_url_password(value)
    if parts is None:
        return value
    if keep_references and is_reference(parts.password):
        return value
    if parts.token_only:
        return f"{parts.scheme}{MASK}@{parts.rest}"
    return f"{parts.scheme}{parts.user}:{MASK}@{parts.rest}"


def url_password_value(value: str) -> str | None:
    """The password inside a URL value, for redaction; None when there is none."""
    parts = split_url_password(value)
    return parts.password if parts is not None else None


def looks_like_token(value: str, minimum: int = 24) -> bool:
    """A key or token by its shape: one long run of letters and digits with both in it, and
    many different characters (`sk-proj-4f9Kq...`); not a word, a path, a version or a name."""
    value = value.strip()
    if len(value) < minimum or not _TOKEN.match(value):
        return False
    has_both = any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
    return has_both and len(set(value)) >= min(16, len(value) // 2)


def is_flag(value: str) -> bool:
    """A value that turns something on or off (`yes`, `false`, `0`): never a secret."""
    return value.strip().lower() in FLAGS


def display_value(env_name: str, value: str | None, secret: bool = False) -> str | None:
    """How a variable's value may be shown: masked when it is a secret by name (or `secret`),
    unless it is only a flag; the password masked when it is a URL with one, else as it is."""
    if value is None:
        return None
    if (secret or is_secret_name(env_name)) and not is_flag(value):
        return mask(value)
    if looks_like_token(value):
        return mask(value)
    return masked_url(value)

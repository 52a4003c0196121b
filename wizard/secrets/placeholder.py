"""Values that look like a placeholder rather than a secret: what `.env.example` files and
half-finished `.env` files hold (`change-me-...`, `changeme`, `xxx`, `your-...-here`, `<...>`,
`TODO`, nothing at all). Taking one into the Secret would hand the workloads a fake credential
that only fails later, in production, so the Secrets step says so with the reason.

`refused_from_env` is the one rule for F4 (take the value from `.env`): the key's footer offers
F4 only where it takes the value, and F4 refuses exactly there (issue 15: the footer offered F4
on a placeholder F4 then refused).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from wizard.secrets.spec import SecretEntry

# Each pattern with the words that explain it to the operator. Matched against the whole value
# and, for a URL, against the password in it (amqp://user:change-me@host/).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"change[-_ ]?me|replace[-_ ]?me", re.I), "says change-me"),
    (re.compile(r"^x{3,}$|xxxx", re.I), "is a row of x's"),
    (
        re.compile(r"^your[-_ ].*[-_ ]here$|^(put|insert|enter)[-_ ].*[-_ ]here$", re.I),
        "says your-...-here",
    ),
    (re.compile(r"^<[^<>]*>$|^\$\{[^}]*\}$|^\{\{.*\}\}$"), "is a template slot"),
    (
        re.compile(
            r"^(todo|fixme|tbd|placeholder|dummy|example|secret|password|none|null|n/a)$", re.I
        ),
        "is a stand-in word",
    ),
)


def placeholder_reason(value: str) -> str | None:
    """Why `value` looks like a placeholder (e.g. "says change-me"), or None when it does not.
    The reason names the pattern, never the value."""
    if not value.strip():
        return "is empty"
    candidates = [value.strip()]
    password = _url_password(value)
    if password is not None:
        candidates.append(password)
    for candidate in candidates:
        for pattern, reason in _PATTERNS:
            if pattern.search(candidate):
                return reason
    return None


def refused_from_env(entry: SecretEntry, value: str) -> str | None:
    """Why F4 does not take `value` from the env file for `entry` (the placeholder's reason), or
    None when it takes it: a value that is no placeholder, and any value of a key that must hold
    what the running service was initialised with (an init-only password, a URL that embeds
    one), which is taken with a warning to rotate it instead."""
    if entry.init_only or entry.url_embedded:
        return None
    return placeholder_reason(value)


def _url_password(value: str) -> str | None:
    if "://" not in value:
        return None
    try:
        return urlsplit(value.strip()).password
    except ValueError:
        return None

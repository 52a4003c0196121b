"""The Secrets step's words and the decisions behind them, apart from the widgets (no Textual), so
a unit test reaches them: what each key's row says, what the preview says, what F4 does with a
value from `.env` that looks like a placeholder, which keyring the values go to, and what leaving
with typed values loses.

The keys' states and the preview derive from one source, `SecretsOverview.wanted()` and
`.where()` (this session's typed values over the keyring's digests): after F5 the rows say
"in keyring" and the preview counts those values in the same breath (issue 15, item 3).
"""

from __future__ import annotations

from dataclasses import dataclass

from wizard.model import VaultStatus
from wizard.secrets.apply import diff_digests
from wizard.secrets.overview import SecretsOverview
from wizard.secrets.placeholder import placeholder_reason, refused_from_env
from wizard.secrets.spec import SecretEntry

NO_PREVIEW = "cannot read Secret keys with this identity: no preview"


def key_state(view: SecretsOverview, key: str) -> str:
    """The state column of one key's row."""
    where = view.where(key)
    if where == "typed":
        session = view.store is not None and view.store.session_only
        return "entered (session)" if session else "entered, not saved"
    return "in keyring" if where == "keyring" else "no value"


def preview_lines(view: SecretsOverview) -> list[str]:
    """What applying now would change, key by key: typed values and the keyring's alike."""
    if not view.readable:
        return [NO_PREVIEW]
    diff = diff_digests(view.spec, view.wanted(), view.existing)
    lines = diff.lines()
    typed = [k for k in view.spec.keys if view.where(k) == "typed"]
    kept = [k for k in view.spec.keys if view.where(k) == "keyring"]
    if typed and kept:
        lines.append(f"  values: {len(typed)} typed (not saved yet), {len(kept)} from the keyring")
    return lines


@dataclass(frozen=True)
class EnvVerdict:
    """What F4 does with a value the env file has: take it or not, and the line that says why."""

    take: bool
    note: str
    severity: str = "information"  # information | warning


def env_verdict(entry: SecretEntry, value: str, file: str) -> EnvVerdict:
    """A placeholder-looking value (`change-me-...`, `xxx`, `<...>`, empty...) is refused with the
    reason, unless the key must hold what the running service was initialised with (an init-only
    password, or a URL that embeds one): then it is taken, with a warning to rotate it."""
    reason = placeholder_reason(value)
    if reason is None:
        return EnvVerdict(True, f"Took {entry.key} from {file}.")
    name = entry.env or entry.key
    if refused_from_env(entry, value) is None:  # the rule the footer's F4 follows too
        return EnvVerdict(
            True,
            f"Took {entry.key} from {file}, though it {reason} (a placeholder?): {name} must be "
            "what the running service uses. If it is real, change it after the cutover.",
            "warning",
        )
    other = ", or F3 generates one" if entry.may_generate else ""
    return EnvVerdict(
        False,
        f"Not taken: {name} in {file} {reason}, which looks like a placeholder, not a secret. "
        f"Type the real value{other}.",
        "warning",
    )


def keyring_line(vault: VaultStatus, service: str, session_only: bool) -> str:
    """The line above the fields: which keyring the values go to, or why none. The keyring's
    words follow a colon or a dash, never brackets: they may have their own (issue 15:
    "(demo keyring (in memory, nothing is saved))")."""
    if session_only:
        return (
            f"Keyring: none usable — {vault.why_not}. Session only: values go to the cluster "
            "and nowhere else."
        )
    return f"Keyring: {vault.backend} · service {service}"


def unsaved_line(keys: list[str], session_only: bool) -> str:
    """What quitting (or leaving the step) would lose, by key name: values typed this session
    that neither the keyring nor the Secret has."""
    count = f"{len(keys)} value{'s' if len(keys) != 1 else ''}"
    where = "not in the Secret yet" if session_only else "neither saved to the keyring nor applied"
    return f"{count} typed and {where}: {', '.join(keys)}"

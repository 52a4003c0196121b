"""The Secrets step: the keys the workloads need, entered masked, kept in the keyring, written
as one Kubernetes Secret after a key-level preview and a confirmation.

Read-only is decided at construction (`secrets_body`): `SecretsView` (screens.secrets_view)
shows the references table, which keys the Secret has and the findings, and has no entry field
and no editing binding at all; `SecretsBody` adds one masked input per key and the actions. Every blocking call (Compose,
the API server, the keyring) runs in a thread worker (StepBody.run_work) that returns its result
and changes nothing shared; the body applies it on the event loop. Values live in the inputs and
in the session store, never in a Static, a log or a message's text.

About 400 lines: the entry fields and the actions (reveal, generate, .env, save, preview, apply)
of one body; the read-only view is apart (secrets_view).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from screens.confirm import ConfirmScreen
from screens.mutations import SECRET_WRITE_GROUP
from screens.secrets_view import SecretsView
from screens.step_body import StepBody
from wizard.checks import Finding
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.secrets.apply import Applied, SecretDiff, apply_secret, diff_secret, failure_finding
from wizard.secrets.overview import SecretsOverview, take_from_env
from wizard.secrets.spec import INIT_ONLY_WHY, URL_WHY, SecretEntry
from wizard.state.audit import AuditLog, audit_log_for
from wizard.steps import Step

__all__ = ["KeyEntry", "SecretInput", "SecretsBody", "SecretsView", "secrets_body"]

WORKER_GROUP = "secrets"
ENV_REMINDER = (
    "Took {key} from {file}. That copy stays on disk in plaintext: delete it (or the whole "
    ".env) once the cutover is done."
)


@dataclass(frozen=True)
class ValueFetched:
    """A value for one field, from the keyring (reveal) or the env file. Never printed."""

    key: str
    value: str | None
    source: str  # keyring | env

    def __repr__(self) -> str:
        return f"ValueFetched({self.key!r}, source={self.source!r})"


@dataclass(frozen=True)
class Done:
    """A save or apply finished: a note for the operator, and findings (e.g. a 403)."""

    note: str
    findings: list[Finding]
    applied: Applied | None = None
    saved: tuple[str, ...] = ()  # keys now in the keyring


def secrets_body(step: Step, config: CutoverConfig, gateways: Gateways) -> StepBody:
    """The body for `config`: without any entry in read-only mode."""
    if config.read_only:
        return SecretsView(step, config, gateways)
    return SecretsBody(step, config, gateways)


class SecretInput(Input):
    """A masked field for one key. F2 reveals (and hides) this field only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "reveal", "Reveal"),
        # A field takes every letter and digit: esc gives n/b/1-6/q back, ↑↓ walk the fields.
        Binding("escape", "leave", "Leave"),
        Binding("down", "field(1)", "Next field", show=False),
        Binding("up", "field(-1)", "Previous field", show=False),
    ]

    def __init__(self, entry: SecretEntry) -> None:
        super().__init__(
            password=True,
            placeholder="not entered",
            id=f"value-{entry.key}",
            classes="secret-input",
            # Coming back to a field must not select what is in it: the next letter would
            # replace a masked value the operator cannot see.
            select_on_focus=False,
        )
        self.entry = entry
        self.cursor_blink = False  # a focused field left alone writes nothing to the terminal

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Enter submits nothing here (F5 saves, F6 applies): not a key to offer.
        return action != "submit" and super().check_action(action, parameters)

    def action_reveal(self) -> None:
        body = next(a for a in self.ancestors if isinstance(a, SecretsBody))
        body.reveal(self)

    def action_leave(self) -> None:
        self.screen.query_one("#secrets-scroll").focus()

    def action_field(self, step: int) -> None:
        fields = list(self.screen.query(SecretInput))
        index = fields.index(self) + step
        if not 0 <= index < len(fields):
            raise SkipAction()  # past the first or last: the arrows scroll the step
        fields[index].focus()


class KeyEntry(Horizontal):
    """One key: its name, its masked input, where its value is."""

    def __init__(self, entry: SecretEntry, state: str) -> None:
        super().__init__(classes="key-entry", id=f"entry-{entry.key}")
        self.entry = entry
        self.state = state

    def compose(self) -> ComposeResult:
        yield Static(self.entry.key, classes="key-name", markup=False)
        yield SecretInput(self.entry)
        yield Static(self.state, classes="key-state", markup=False)


class SecretsBody(SecretsView):
    """SecretsView plus entry: one masked input per key, and the actions."""

    _env_reminded = False  # the plaintext-on-disk reminder was shown this session

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3", "generate", "Generate"),
        Binding("f4", "from_env", "From .env"),
        Binding("f5", "save", "Save"),
        Binding("f6", "apply", "Apply"),
    ]

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
        self.audit: AuditLog = audit_log_for(config.project_dir, config.demo)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers a key only where it does something: F3 on a field (it explains why
        it will not generate an init-only or URL value), F4 on one .env has a value for, F5 with
        something typed and a keyring to save it to, F6 once the Secret can be read. Refreshed
        on focus changes, loads and typing."""
        view = self.view
        if action not in ("generate", "from_env", "save", "apply"):
            return True
        if view is None or view.store is None:
            return False
        focused = self.app.focused
        entry = focused.entry if isinstance(focused, SecretInput) else None
        if action == "generate":
            return entry is not None
        if action == "from_env":
            return entry is not None and bool(view.env_values_known.get(entry.key))
        if action == "save":
            return not view.store.session_only and bool(view.store.pending())
        return view.readable

    def compose_entry(self) -> ComposeResult:
        yield Static(id="secrets-keyring", markup=False)
        yield Vertical(id="secrets-entry")
        yield Static(
            "F2 reveals the focused field · F3 generates · F4 takes it from .env · "
            "F5 saves to the keyring · F6 previews and applies the Secret",
            id="secrets-keys",
            classes="help-text",
            markup=False,
        )
        yield Static("Preview", classes="section-title")
        yield Static(id="secrets-preview", markup=False)

    def show_view(self) -> None:
        super().show_view()
        view = self.view
        if view is None:
            return
        rows = list(self.query(KeyEntry))
        if [r.entry for r in rows] == list(view.spec.entries):
            for row in rows:  # the same keys: keep the fields (and what is typed in them)
                self._set_state(row.entry.key, self._state(row.entry))
        else:
            self.run_worker(self._remount(view), group=f"{WORKER_GROUP}-mount", exclusive=True)
        self.show_preview()
        self.refresh_bindings()

    def show_preview(self) -> None:
        """The diff of what is typed this session (keyring-only keys are compared on F6)."""
        view = self.view
        if view is None or view.store is None:
            return
        if not view.readable:
            text = "cannot read Secret keys with this identity: no preview"
        else:
            typed = {k: v for k in view.store.pending() if (v := view.store.get(k)) is not None}
            text = "\n".join(diff_secret(view.spec, typed, view.existing).lines())
        self.query_one("#secrets-preview", Static).update(text)

    async def _remount(self, view: SecretsOverview) -> None:
        if not self.is_attached:  # removed meanwhile (the read-only twin's swap)
            return
        box = self.query_one("#secrets-entry", Vertical)
        await box.remove_children()
        if self.is_attached:
            await box.mount_all([KeyEntry(e, self._state(e)) for e in view.spec.entries])

    def keyring_line(self, view: SecretsOverview) -> str:
        if view.store is not None and view.store.session_only:
            return f"Keyring: none usable ({view.vault.reason or view.vault.backend}). Session only: values go to the cluster and nowhere else."
        return (
            f"Keyring: {view.vault.backend} · service {view.store.service if view.store else '?'}"
        )

    def _state(self, entry: SecretEntry) -> str:
        view = self.view
        if view is None:
            return ""
        pending = view.store.pending() if view.store is not None else []
        if entry.key in pending:
            return (
                "entered, not saved"
                if not view.store or not view.store.session_only
                else "entered (session)"
            )
        if view.in_keyring.get(entry.key):
            return "in keyring"
        return "no value"

    def _field(self) -> SecretInput | None:
        focused = self.app.focused
        if isinstance(focused, SecretInput):
            return focused
        fields = list(self.query(SecretInput))
        return fields[0] if fields else None

    def _set_state(self, key: str, text: str) -> None:
        for row in self.query(KeyEntry):
            if row.entry.key == key:
                row.query_one(".key-state", Static).update(text)

    # --- typing, reveal, generate, .env --------------------------------------------------------

    @on(Input.Changed, ".secret-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        field = event.input
        if not isinstance(field, SecretInput) or self.view is None or self.view.store is None:
            return
        store = self.view.store
        if field.value:
            store.keep(field.entry.key, field.value)
        else:
            store.forget(field.entry.key)
        self._set_state(field.entry.key, self._state(field.entry))
        self.show_preview()
        self.refresh_bindings()  # F5: something to save, or no longer

    def reveal(self, field: SecretInput) -> None:
        if not field.password:
            field.password = True
            return
        field.password = False
        view = self.view
        key = field.entry.key
        if not field.value and view is not None and view.store and view.in_keyring.get(key):
            store = view.store
            self.run_work(
                lambda: ValueFetched(key, store.get(key), "keyring"), "fetch", exclusive=False
            )

    def action_generate(self) -> None:
        field = self._field()
        if field is None:
            return
        entry = field.entry
        if entry.init_only or entry.url_embedded:
            why = (INIT_ONLY_WHY if entry.init_only else URL_WHY).format(env=entry.env or entry.key)
            self.notify(f"Not generating {entry.key}. {why}", severity="warning", timeout=10)
            return
        field.value = secrets.token_urlsafe(32)
        field.password = True
        self.notify(f"Generated a new value for {entry.key} (masked; F2 shows it).", timeout=4)

    def action_from_env(self) -> None:
        field = self._field()
        if field is None or self.view is None:
            return
        if not self.view.env_values_known.get(field.entry.key):
            self.notify(f"The env file has no value for {field.entry.key}.", severity="warning")
            return
        key, spec = field.entry.key, self.view.spec
        self.run_work(
            lambda: ValueFetched(key, take_from_env(self.config, key, spec), "env"),
            "fetch",
            exclusive=False,
        )

    def work_done(self, part: str, value: Any) -> None:
        if isinstance(value, ValueFetched):
            self._fetched(value)
        elif isinstance(value, SecretDiff):
            self._previewed(value)
        elif isinstance(value, Done):
            self._done(value)
        else:
            super().work_done(part, value)

    def _fetched(self, message: ValueFetched) -> None:
        for field in self.query(SecretInput):
            if field.entry.key != message.key or message.value is None:
                continue
            field.value = message.value
            if message.source == "env":
                field.password = True
                file = self.config.env_file.name if self.config.env_file else ".env"
                # The plaintext reminder once per session; after that a short line, so toasts
                # do not pile up over the confirmation dialog on an 80x24 terminal.
                if not self._env_reminded:
                    self._env_reminded = True
                    self.notify(ENV_REMINDER.format(key=message.key, file=file), timeout=8)
                else:
                    self.notify(f"Took {message.key} from {file}.", timeout=3)

    # --- save, preview, apply ------------------------------------------------------------------

    def action_save(self) -> None:
        view = self.view
        if view is None or view.store is None:
            return
        if view.store.session_only:
            self.notify(
                "No usable keyring: values are kept for this session only (see the finding).",
                severity="warning",
            )
            return
        store, keys = view.store, view.store.pending()

        def save() -> Done:
            # In the thread: only the keyring is written; what the screen holds (which keys are
            # in the keyring, what is pending) changes on the event loop, in _done.
            saved = store.save(keys)
            note = (
                f"Saved {len(saved)} key(s) to the keyring: {', '.join(saved)}"
                if saved
                else "Nothing new to save."
            )
            return Done(note, [], saved=tuple(saved))

        self.run_work(save, "save", group=SECRET_WRITE_GROUP, any_run=True)

    def action_apply(self) -> None:
        if self.view is None or not self.view.readable:
            self.notify(
                "Cannot read the Secret with this identity: nothing to apply.", severity="warning"
            )
            return
        view = self.view
        if view.store is None:
            return
        store, spec = view.store, view.spec

        def preview() -> SecretDiff:
            values = store.values(spec.keys)
            return diff_secret(spec, values, self.gateways.cluster().read_secret_keys(spec.name))

        self.run_work(preview, "preview", group=SECRET_WRITE_GROUP)

    def _previewed(self, diff: SecretDiff) -> None:
        self.query_one("#secrets-preview", Static).update("\n".join(diff.lines()))
        if not diff.writes:
            self.notify("The Secret already has these values: nothing to write.", timeout=4)
            return
        question = f"Write these changes to Secret {diff.name}?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply()

        self.app.push_screen(ConfirmScreen(question, diff.lines()), answered)

    def _apply(self) -> None:
        view = self.view
        if view is None or view.store is None:
            return
        store, spec, cluster = view.store, view.spec, self.gateways.cluster

        def apply() -> Done:
            try:
                applied = apply_secret(cluster(), spec, store.values(spec.keys), self.audit)
            except CutoverError as exc:
                return Done("The Secret was not written.", [failure_finding(exc)])
            verb = "Created" if not applied.diff.exists else "Patched"
            diff = applied.diff
            keys = ", ".join((*diff.added, *diff.changed, *diff.removed))
            note = f"{verb} Secret {spec.name}: {keys}" if applied.wrote else "Nothing to write."
            return Done(note, [], applied)

        self.run_work(apply, "apply", group=SECRET_WRITE_GROUP, any_run=True)

    def _done(self, message: Done) -> None:
        view = self.view
        if view is not None and view.store is not None:
            for key in message.saved:
                view.in_keyring[key] = True
                view.store.forget(key)
        self.notify(message.note, timeout=5)
        if message.findings:
            self.extra.extend(message.findings)
            self.show_findings()
        else:
            self.rerun()

"""The Secrets step: the keys the workloads need, entered masked, kept in the keyring, written
as one Kubernetes Secret after a key-level preview and a confirmation.

Read-only is decided at construction (`secrets_body`): `SecretsView` (screens.secrets_view)
shows the references table, which keys the Secret has and the findings, and has no entry field
and no editing binding at all; `SecretsBody` adds one masked input per key and the actions. Every blocking call (Compose,
the API server, the keyring) runs in a thread worker (StepBody.run_work) that returns its result
and changes nothing shared; the body applies it on the event loop. Values live in the inputs and
in the session store, never in a Static, a log or a message's text.

The entry fields and the actions (reveal, generate, .env, save, preview, apply) of one body;
the read-only view is apart (secrets_view), and so are the words and the decisions behind them
(secrets_text: the keys' states and the preview from one source, placeholders in `.env`).
What the operator did is answered in the body's note line (screens.note_line), never a toast
over the fields or the preview. Typed values nothing else has yet are asked about before
quitting or leaving the step (screens.unsaved).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.widgets import Input, Static

from screens import keys
from screens.confirm import ConfirmScreen
from screens.mutations import SECRET_WRITE_GROUP
from screens.note_line import tell
from screens.secrets_text import env_verdict, key_state, keyring_line, preview_lines, unsaved_line
from screens.secrets_view import SecretsView
from screens.step_body import StepBody
from wizard.checks import Finding
from wizard.config import CutoverConfig
from wizard.errors import CutoverError
from wizard.gateways import Gateways
from wizard.secrets.apply import (
    Applied,
    SecretDiff,
    apply_secret,
    diff_secret,
    digest,
    failure_finding,
)
from wizard.secrets.overview import SecretsOverview, take_from_env
from wizard.secrets.spec import INIT_ONLY_WHY, URL_WHY, SecretEntry, init_only_service
from wizard.state.audit import AuditLog, audit_log_for
from wizard.steps import Step

__all__ = ["KeyEntry", "SecretInput", "SecretsBody", "SecretsView", "secrets_body"]

ENV_REMINDER = "{file} keeps it in plaintext: delete it once the cutover is done."


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
    # Each key now in the keyring, with the digest of the value saved (never the value).
    saved: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Done({self.note!r}, saved={sorted(self.saved)})"


def secrets_body(step: Step, config: CutoverConfig, gateways: Gateways) -> StepBody:
    """The body for `config`: without any entry in read-only mode."""
    if config.read_only:
        return SecretsView(step, config, gateways)
    return SecretsBody(step, config, gateways)


class SecretInput(Input):
    """A masked field for one key. F2 reveals (and hides) this field only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        keys.REVEAL.binding(),
        # A field takes every letter and digit: esc gives n/b/the step digits/q back, ↑↓ walk the fields,
        # ^q quits from here (the App's own binding runs it: this one puts it in the footer).
        keys.LEAVE.binding(),
        Binding("ctrl+q", "app.quit", "Quit", key_display="^q"),
        # Not in the footer: at 80 columns it has no room; the checklist's last lines say it.
        keys.ROWS.binding(key="down", action="field(1)", description=keys.FIELD_ROWS, show=False),
        keys.ROWS.binding(key="up", action="field(-1)", description=keys.FIELD_ROWS, show=False),
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

    def on_blur(self) -> None:
        # A value shown with F2 is hidden again as soon as the operator is elsewhere.
        self.password = True

    def action_leave(self) -> None:
        self.screen.query_one("#secrets-scroll").focus()

    def action_field(self, step: int) -> None:
        fields = list(self.screen.query(SecretInput))
        index = fields.index(self) + step
        if not 0 <= index < len(fields):
            raise SkipAction()  # past the first or last: the arrows scroll the step
        fields[index].focus()


class KeyEntry(Container):
    """One key: its name, where its value is, its masked input. Below the wide layout the
    focused key's field takes a row of its own (cutover.tcss), so a revealed value shows whole
    rather than as an 11-character fragment.

    A row lives as long as its key: a reload hands it the key's new entry and state (`show`),
    so its field keeps the focus, what is typed in it and F2's reveal (issue 15: the fields were
    re-mounted when a reload landed, and the field being typed in lost the focus)."""

    def __init__(self, entry: SecretEntry, state: str) -> None:
        super().__init__(classes="key-entry", id=f"entry-{entry.key}")
        self.entry = entry
        self.state = state

    def compose(self) -> ComposeResult:
        yield Static(self.entry.key, classes="key-name", markup=False)
        yield Static(self.state, classes="key-state", markup=False)
        yield SecretInput(self.entry)

    def show(self, entry: SecretEntry, state: str) -> None:
        """The same key, reloaded: its entry (may F3 generate it...) and its state, in place.
        Before compose has run, compose takes them from here."""
        self.entry = entry
        for field_ in self.query(SecretInput):
            field_.entry = entry
        self.show_state(state)

    def show_state(self, state: str) -> None:
        self.state = state
        for label in self.query(".key-state").results(Static):
            label.update(state)


class SecretsBody(SecretsView):
    """SecretsView plus entry: one masked input per key, and the actions."""

    _env_reminded = False  # the plaintext-on-disk reminder was shown this session

    BINDINGS: ClassVar[list[BindingType]] = [
        keys.GENERATE.binding(),
        # F3 on a key that must not be generated: the footer says so, and F3 says why.
        keys.GENERATE.binding(action="explain_generate", description="Why not"),
        keys.FROM_ENV.binding(),
        # F4 where .env holds a placeholder it would refuse: likewise.
        keys.FROM_ENV.binding(action="explain_from_env", description="Why not"),
        keys.SAVE.binding(),
        keys.APPLY.binding(),
    ]

    def __init__(self, step: Step, config: CutoverConfig, gateways: Gateways) -> None:
        super().__init__(step, config, gateways)
        self.audit: AuditLog = audit_log_for(config.project_dir, config.demo)
        self._after_save: Callable[[], None] | None = None  # screens.unsaved's "save, then go"
        self._rows: dict[str, KeyEntry] = {}  # key -> its row, in the spec's order

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers a key only where it does something: F3 "Generate" on a field that
        may be generated, F3 "Why not" on an init-only or URL one (it says why), F4 "From .env"
        on a field .env has a value for that F4 takes, F4 "Why not" where that value is a
        placeholder F4 refuses (the rule of both: placeholder.refused_from_env), F5 with
        something typed and a keyring to save it to, F6 once the Secret can be read. Refreshed
        on focus changes, loads and typing."""
        view = self.view
        own = ("generate", "explain_generate", "from_env", "explain_from_env", "save", "apply")
        if action not in own:
            return True
        if view is None or view.store is None:
            return False
        focused = self.app.focused
        entry = focused.entry if isinstance(focused, SecretInput) else None
        if action in ("generate", "explain_generate"):
            may = entry is not None and entry.may_generate
            return entry is not None and may == (action == "generate")
        if action in ("from_env", "explain_from_env"):
            if entry is None or not view.env_values_known.get(entry.key):
                return False
            return (entry.key in view.env_refused) == (action == "explain_from_env")
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
        self._place_rows(view)
        self.show_values()

    def _place_rows(self, view: SecretsOverview) -> None:
        """One row per key of the Secret, in the spec's order, kept across reloads (r, R, a save,
        an apply: each lands with the keyring read): a key that stays keeps its row and field,
        and only a key that appeared or went away adds or removes one. Synchronous, so a second
        reload landing before the first row is composed still finds every row."""
        box = self.query_one("#secrets-entry", Vertical)
        wanted = set(view.spec.keys)
        for key in [key for key in self._rows if key not in wanted]:
            self._rows.pop(key).remove()
        previous: KeyEntry | None = None
        for entry in view.spec.entries:
            row = self._rows.get(entry.key)
            if row is None:
                row = self._rows[entry.key] = KeyEntry(entry, key_state(view, entry.key))
                if previous is not None:
                    box.mount(row, after=previous)
                elif box.children:
                    box.mount(row, before=box.children[0])
                else:
                    box.mount(row)
            else:
                row.show(entry, key_state(view, entry.key))
                if previous is not None and _before(box, row, previous):
                    box.move_child(row, after=previous)
            previous = row

    def show_values(self) -> None:
        """Every view derived from the values (each key's state, the preview, the footer),
        from the one source: after any action that changes a value, call this."""
        view = self.view
        if view is None or view.store is None:
            return
        for key, row in self._rows.items():
            row.show_state(key_state(view, key))
        self.query_one("#secrets-preview", Static).update("\n".join(preview_lines(view)))
        self.refresh_bindings()

    def show_preview(self) -> None:
        self.show_values()

    def keyring_line(self, view: SecretsOverview) -> str:
        store = view.store
        session_only = store is not None and store.session_only
        return keyring_line(view.vault, store.service if store else "?", session_only)

    def _field(self) -> SecretInput | None:
        focused = self.app.focused
        if isinstance(focused, SecretInput):
            return focused
        fields = list(self.query(SecretInput))
        return fields[0] if fields else None

    # --- typing, reveal, generate, .env --------------------------------------------------------

    @on(Input.Changed, ".secret-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        field = event.input
        if not isinstance(field, SecretInput) or self.view is None or self.view.store is None:
            return
        store, key = self.view.store, field.entry.key
        # The keyring's own value (revealed with F2, or typed again) is nothing new to save.
        if field.value and digest(field.value) != self.view.keyring_digests.get(key):
            store.keep(key, field.value)
        else:
            store.forget(key)
        self.show_values()  # the key's state, the preview, F5: something to save or no longer

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

    def action_explain_generate(self) -> None:
        self.action_generate()

    def action_explain_from_env(self) -> None:
        # The value is read again and judged where F4 judges it (_fetched): the same words.
        self.action_from_env()

    def action_generate(self) -> None:
        field = self._field()
        if field is None:
            return
        entry = field.entry
        if entry.init_only or entry.url_embedded:
            why = (INIT_ONLY_WHY if entry.init_only else URL_WHY).format(
                env=entry.env or entry.key, service=init_only_service(entry.env)
            )
            tell(self, f"Not generating {entry.key}. {why}", "warning")
            return
        field.value = secrets.token_urlsafe(32)
        field.password = True
        tell(self, f"Generated a new value for {entry.key} (masked; F2 shows it).")

    def action_from_env(self) -> None:
        field = self._field()
        if field is None or self.view is None:
            return
        if not self.view.env_values_known.get(field.entry.key):
            tell(self, f"The env file has no value for {field.entry.key}.", "warning")
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
        for field_ in self.query(SecretInput):
            if field_.entry.key != message.key or message.value is None:
                continue
            if message.source != "env":
                field_.value = message.value
                continue
            file = self.config.env_file.name if self.config.env_file else ".env"
            verdict = env_verdict(field_.entry, message.value, file)
            if not verdict.take:
                tell(self, verdict.note, "warning")
                continue
            field_.value = message.value
            field_.password = True
            note = verdict.note
            if not self._env_reminded:  # the plaintext reminder once per session
                self._env_reminded = True
                note = f"{note} {ENV_REMINDER.format(file=file)}"
            tell(self, note, "warning" if verdict.severity == "warning" else "information")

    # --- save, preview, apply ------------------------------------------------------------------

    def action_save(self) -> None:
        view = self.view
        if view is None or view.store is None:
            return
        if view.store.session_only:
            tell(
                self,
                "No usable keyring: values are kept for this session only (see the finding).",
                "warning",
            )
            return
        store, pending = view.store, view.store.pending()

        def save() -> Done:
            # In the thread: only the keyring is written; what the screen holds (which keys are
            # in the keyring, what is pending) changes on the event loop, in _done.
            saved = store.save_digests(pending)
            note = (
                f"Saved {len(saved)} key(s) to the keyring: {', '.join(saved)}"
                if saved
                else "Nothing new to save."
            )
            return Done(note, [], saved=saved)

        self.run_work(save, "save", group=SECRET_WRITE_GROUP, any_run=True)

    def action_apply(self) -> None:
        if self.view is None or not self.view.readable:
            tell(self, "Cannot read the Secret with this identity: nothing to apply.", "warning")
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
            tell(self, "The Secret already has these values: nothing to write.")
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
            for key, saved_digest in message.saved.items():
                view.keyring_digests[key] = saved_digest
                view.store.forget_saved(key, saved_digest)
        for field_ in self.query(SecretInput):
            field_.password = True  # saved or applied: nothing stays shown
        self.show_values()  # at once: the rows and the preview agree before the reload
        tell(self, message.note, "warning" if message.findings else "information")
        go, self._after_save = self._after_save, None
        if message.findings:
            self.extra.extend(message.findings)
            self.show_findings()
            return
        self.rerun()
        if go is not None and message.saved:
            self.call_after_refresh(go)

    def work_failed(self, part: str, finding: Finding, error: BaseException | None) -> None:
        if part == "save":
            self._after_save = None  # the save failed: stay, the finding says why
        super().work_failed(part, finding, error)

    # --- typed values nothing else has (screens.unsaved) -----------------------------------------

    def _unsaved_keys(self) -> list[str]:
        """Keys with a value typed this session that neither the keyring nor the Secret has."""
        view = self.view
        if view is None or view.store is None:
            return []
        have = view.existing.digests if view.existing is not None else {}
        typed = view.store.typed_digests()
        return [k for k in view.spec.keys if k in typed and have.get(k) != typed[k]]

    def typed_not_saved(self) -> str | None:
        unsaved = self._unsaved_keys()
        if not unsaved or self.view is None or self.view.store is None:
            return None
        return unsaved_line(unsaved, self.view.store.session_only)

    def can_save_typed(self) -> bool:
        return (
            self.view is not None
            and self.view.store is not None
            and not (self.view.store.session_only)
        )

    def save_typed_then(self, go: Callable[[], None]) -> None:
        self._after_save = go
        self.action_save()

    def discard_typed(self) -> None:
        unsaved = set(self._unsaved_keys())
        for field_ in self.query(SecretInput):
            if field_.entry.key in unsaved:
                field_.value = ""  # Input.Changed forgets it and shows the key's state again
        if self.view is not None and self.view.store is not None:
            for key in unsaved:
                self.view.store.forget(key)
        self.show_values()


def _before(box: Vertical, row: KeyEntry, other: KeyEntry) -> bool:
    """Whether `row` comes before `other` among the box's rows."""
    children = list(box.children)
    return children.index(row) < children.index(other)

"""`cutover`: the command line. Resolves where things are, then opens the wizard or prints status.

Kept light on purpose: nothing heavy (textual, kubernetes, docker) is imported before it is needed,
so `--help` and config errors answer at once and the wizard paints early.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cutover.arguments import build_parser, help_text, parse
from wizard.errors import ConfigError

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways

__all__ = ["build_parser", "main"]  # build_parser: the options live in cutover.arguments

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2
NOT_A_TERMINAL_WIDTH = 100  # columns for `status` text when stdout is a pipe or a file


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `cutover status | head`: the reader left; that is not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args = parse(argv)
    if args.help:
        sys.stdout.write(help_text(args))
        return EXIT_OK
    demo = args.demo
    if args.fixed and not demo:
        print("cutover: --fixed only applies to the demo: cutover demo --fixed", file=sys.stderr)
        return EXIT_USAGE
    from wizard.config import Flags, resolve_config

    flags = Flags(
        compose_files=args.compose_files,
        project_name=args.project_name,
        env_file=args.env_file,
        profiles=args.profiles,
        namespace=args.namespace,
        kube_context=args.kube_context,
        kubeconfig=args.kubeconfig,
        selector=args.selector,
        manifests_dir=args.manifests_dir,
        docker_host=args.docker_host,
        read_only=args.read_only,
        demo=demo,
        demo_fixed=args.fixed,
        dns_servers=getattr(args, "dns_servers", None) or (),
    )
    try:
        config = resolve_config(flags)
    except ConfigError as exc:
        print(f"cutover: {exc.message} {exc.fix}".rstrip(), file=sys.stderr)
        return EXIT_USAGE

    from wizard.gateways.factory import build_gateways

    if config.demo and args.command == "status":
        # Status reads once: the demo's simulation is shown where it ends, not at its start.
        os.environ.setdefault("CUTOVER_DEMO_SETTLED", "1")
    # A report reads once: an unreachable cluster stays so for the run (see build_gateways).
    one_shot = args.command in ("status", "plan") or (args.command == "data" and not args.words)
    gateways = build_gateways(config, one_shot=one_shot)
    if args.command == "plan":
        return _plan(config, gateways, as_json=args.json)
    if args.command == "data":
        if args.words[:1] == ["copy"]:
            return _data_copy(config, gateways, args)
        if args.words:
            print(
                f"cutover data: unknown words {' '.join(args.words)!r}; did you mean "
                "`cutover data copy VOLUME...`?",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _data(config, gateways, as_json=args.json)
    if args.words:
        said = " ".join(args.words)
        hint = "see cutover --help"
        if args.command == "demo":
            hint = "the demo takes status, plan or data: cutover demo status"
        print(f"cutover: unexpected {said!r} ({hint})", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "status":
        from wizard.status import print_status

        return print_status(
            config,
            gateways,
            sys.stdout,
            as_json_output=args.json,
            width=terminal_width(),
            every_row=args.all,
            long=args.long,
        )

    if args.fresh and not _forget_progress(config):
        return EXIT_USAGE
    from screens.app import CutoverApp

    app = CutoverApp(config, gateways)
    app.run()
    # A crash (Textual printed its traceback) must not read as success to a script or CI.
    return app.return_code or EXIT_OK


def terminal_width() -> int:
    """Columns to fit the text in: COLUMNS, else the terminal's, else 100 (a pipe, a file)."""
    import shutil

    return shutil.get_terminal_size((NOT_A_TERMINAL_WIDTH, 24)).columns


def _forget_progress(config: CutoverConfig) -> bool:
    from wizard.demo.world import forgotten_sections
    from wizard.errors import CutoverError
    from wizard.state.progress import forget_progress
    from wizard.state.store import state_file_for

    try:
        state = state_file_for(config)
        # The demo's simulated world starts again too (its Secret, copies, down); a real
        # project's down record stays, so an interrupted down can still be finished.
        forget_progress(state, also=forgotten_sections() if config.demo else ())
    except (CutoverError, OSError) as exc:
        message = f"{exc.message} {exc.fix}" if isinstance(exc, CutoverError) else str(exc)
        print(f"cutover: --fresh: {message}".rstrip(), file=sys.stderr)
        return False
    return True


def _plan(config: CutoverConfig, gateways: Gateways, as_json: bool) -> int:
    from wizard.errors import CutoverError
    from wizard.mapping.build import build_plan
    from wizard.plan_report import plan_exit_code, write_plan

    try:
        plan = build_plan(config, gateways)
    except CutoverError as exc:
        print(f"cutover: {exc.message} {exc.fix}".rstrip(), file=sys.stderr)
        return EXIT_USAGE
    write_plan(plan, sys.stdout, as_json=as_json)
    return plan_exit_code(plan)


def _data(config: CutoverConfig, gateways: Gateways, as_json: bool) -> int:
    from wizard.data.report import EXIT_UNKNOWN, gather_data, write_data
    from wizard.errors import CutoverError

    try:
        report = gather_data(config, gateways)
    except CutoverError as exc:
        print(f"cutover data: {exc.message} {exc.fix}".rstrip(), file=sys.stderr)
        return EXIT_UNKNOWN
    write_data(report, sys.stdout, as_json=as_json)
    return report.exit_code()


def _data_copy(config: CutoverConfig, gateways: Gateways, args: argparse.Namespace) -> int:
    """Copy volumes without the UI: what will happen first, then --yes or a typed yes; progress
    on stderr, the outcome per volume as JSON on stdout."""
    import json

    from wizard.data.report import gather_data
    from wizard.data.run import copy_volumes
    from wizard.errors import CutoverError

    volumes = args.words[1:]
    if bool(volumes) == bool(args.all):
        print(
            "cutover data copy: name the volumes (cutover data copy VOLUME...) or --all",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if config.read_only:
        print(
            "cutover data copy: read-only mode copies nothing (run without --read-only)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if config.demo:
        print(
            "cutover data copy: the demo's volumes and pods are simulated, there is nothing to "
            "copy; `cutover demo data` shows the plan, `make sandbox` has real ones",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        plan = {row.volume: row for row in gather_data(config, gateways).rows}
        chosen = [plan[v] for v in volumes if v in plan] if volumes else list(plan.values())
        namespace = gateways.cluster().identity.namespace
        for row in chosen:
            what = (
                f"will skip {row.volume}: {row.why}"
                if row.method == "skip"
                else f"will copy {row.volume} ({row.method}) into claim {row.claim} of "
                f"namespace {namespace}"
            )
            print(what, file=sys.stderr)
        if not args.yes:
            if not sys.stdin.isatty():
                print("cutover data copy: no terminal to confirm on: pass --yes", file=sys.stderr)
                return EXIT_USAGE
            if input("Copy? Type yes: ").strip() != "yes":
                print("Nothing was copied.", file=sys.stderr)
                return EXIT_BLOCKED

        def progress(volume: str, p: object) -> None:
            done, total = getattr(p, "done", 0), getattr(p, "total", 0) or 1
            left = getattr(p, "seconds_left", None)
            eta = f", {left:.0f} s left" if left is not None else ""
            rate = getattr(p, "rate", 0.0) / 2**20
            print(f"{volume}: {100 * done // total}% ({rate:.1f} MiB/s{eta})", file=sys.stderr)

        outcomes = copy_volumes(
            config, gateways, volumes, args.replace, args.while_running, _every_second(progress)
        )
    except CutoverError as exc:
        print(f"cutover data copy: {exc.message} {exc.fix}".rstrip(), file=sys.stderr)
        return EXIT_USAGE
    json.dump(
        [o.__dict__ | {"differences": list(o.differences)} for o in outcomes], sys.stdout, indent=2
    )
    sys.stdout.write("\n")
    done = all(o.result in ("verified", "skipped") for o in outcomes)
    return EXIT_OK if done else EXIT_BLOCKED


def _every_second(report: Callable[[str, object], None]) -> Callable[[str, object], None]:
    """`report`, at most once a second per volume, and always at 100%."""
    import time

    last: dict[str, float] = {}

    def throttled(volume: str, p: object) -> None:
        now = time.monotonic()
        finished = getattr(p, "done", 0) >= getattr(p, "total", 1)
        if finished or now - last.get(volume, 0.0) >= 1.0:
            last[volume] = now
            report(volume, p)

    return throttled


if __name__ == "__main__":
    sys.exit(main())

"""`cutover`: the command line. Resolves where things are, then opens the wizard or prints status.

Kept light on purpose: nothing heavy (textual, kubernetes, docker) is imported before it is needed,
so `--help` and config errors answer at once and the wizard paints early.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from wizard.errors import ConfigError

if TYPE_CHECKING:
    from wizard.config import CutoverConfig
    from wizard.gateways import Gateways

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Walk a running Docker Compose deployment onto Kubernetes, step by step, and only then take
Compose down. Steps: preflight, secrets, volumes, mapping diff, pod health, gate.

commands:
  (none)    open the wizard on the Compose project in this folder (or -f FILE)
  demo      open the wizard on the bundled Email-RAG sample; nothing real is touched
  plan      print the per-service mapping diff (Compose service -> Kubernetes workload);
            works offline from --manifests alone; exit 1 when a row blocks
  status    print every step's state without a UI (read-only); exit 0 ready,
            1 something blocks, 2 could not find out (unreachable, bad config)
  data      print which volumes move into which claim, how, and whether each copy is
            verified (read-only); exit 0 all verified or skipped, 1 otherwise, 2 unknown
"""

EPILOG = """\
Settings come from, highest first: these flags; COMPOSE_FILE, COMPOSE_PROJECT_NAME, KUBECONFIG,
DOCKER_HOST; cutover.yaml beside the Compose file. Exit codes: 0 ok, 1 blocked, 2 bad usage.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cutover",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", nargs="?", choices=["demo", "status", "plan", "data"], help=argparse.SUPPRESS
    )
    compose = parser.add_argument_group("Compose project")
    compose.add_argument(
        "-f",
        "--file",
        dest="compose_files",
        action="append",
        default=[],
        metavar="FILE",
        help="Compose file; repeat to merge several (default: compose.yaml, compose.yml, "
        "docker-compose.yaml or docker-compose.yml in this folder, as Compose finds them)",
    )
    compose.add_argument(
        "-p",
        "--project-name",
        metavar="NAME",
        help="Compose project name (default: the `name:` in the file, else the folder's name)",
    )
    compose.add_argument(
        "--profile",
        dest="profiles",
        action="append",
        default=[],
        metavar="NAME",
        help="Compose profile to enable; repeat for several (default: COMPOSE_PROFILES, as "
        "Compose)",
    )
    compose.add_argument(
        "--env-file",
        metavar="FILE",
        help="env file for ${VAR} interpolation (default: .env beside the Compose file)",
    )
    compose.add_argument(
        "-H",
        "--docker-host",
        metavar="URL",
        help="Docker Engine: unix://, tcp:// or ssh://user@host (default: DOCKER_HOST)",
    )
    kube = parser.add_argument_group("Kubernetes target")
    kube.add_argument(
        "--kubeconfig",
        metavar="PATH",
        help="kubeconfig file(s), as KUBECONFIG (default: KUBECONFIG, else ~/.kube/config)",
    )
    kube.add_argument(
        "--context",
        dest="kube_context",
        metavar="NAME",
        help="kubeconfig context (default: the current context, as kubectl)",
    )
    kube.add_argument(
        "-n",
        "--namespace",
        metavar="NS",
        help="namespace of the target (default: the context's namespace, else 'default')",
    )
    kube.add_argument(
        "-l",
        "--selector",
        metavar="SELECTOR",
        help="label selector of the target's objects, e.g. app=email-rag",
    )
    kube.add_argument(
        "--manifests",
        dest="manifests_dir",
        metavar="DIR",
        help="folder of manifests to compare with (e.g. `helm template` output)",
    )
    mode = parser.add_argument_group("Mode")
    mode.add_argument(
        "--read-only",
        action="store_true",
        help="only look: no entry fields, no writes, no down (enforced in the gateways)",
    )
    mode.add_argument(
        "--fresh",
        action="store_true",
        help="start at the first step and forget the acknowledgements (the wizard otherwise "
        "resumes where it was, from .cutover/state.json)",
    )
    mode.add_argument("--demo", action="store_true", help="same as the `demo` command")
    mode.add_argument(
        "--fixed",
        action="store_true",
        help="demo only: the sample with its planted problems fixed (assets/demo/k8s-fixed), "
        "so the gate can open",
    )
    mode.add_argument(
        "--json", action="store_true", help="plan, status, data: print JSON instead of text"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `cutover status | head`: the reader left; that is not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    demo = args.demo or args.command == "demo"
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
    gateways = build_gateways(config)
    if args.command == "plan":
        return _plan(config, gateways, as_json=args.json)
    if args.command == "data":
        return _data(config, gateways, as_json=args.json)
    if args.command == "status":
        from wizard.status import print_status

        return print_status(config, gateways, sys.stdout, as_json_output=args.json)

    if args.fresh and not _forget_progress(config):
        return EXIT_USAGE
    from screens.app import CutoverApp

    CutoverApp(config, gateways).run()
    return EXIT_OK


def _forget_progress(config: CutoverConfig) -> bool:
    from wizard.errors import CutoverError
    from wizard.state.progress import forget_progress
    from wizard.state.store import state_file_for

    try:
        forget_progress(state_file_for(config))
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


if __name__ == "__main__":
    sys.exit(main())

"""The command line's words: one parser for every command, and a `--help` of each command's own.

One parser reads every command line (options may come before or after the command, as people
type them: `cutover demo --fixed status`). `cutover status --help` shows only what `status`
takes: each option names the commands it belongs to (`FOR`), and a command's help is the same
parser built with only those. Imports nothing heavy: `--help` answers at once.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

COMMANDS = ("demo", "status", "plan", "data")
# Where an option applies: "wizard" is `cutover` with no command (the wizard on a real project).
WIZARD, DEMO, STATUS, PLAN, DATA = "wizard", "demo", "status", "plan", "data"
REAL = (WIZARD, STATUS, PLAN, DATA)  # the commands that read a real project and cluster
REPORTS = (STATUS, PLAN, DATA)

DESCRIPTION = """\
Walk a running Docker Compose deployment onto Kubernetes, step by step, and only then take
Compose down. Steps: preflight, secrets, volumes, mapping diff, pod health, data, gate.

commands (each has its own --help, e.g. cutover status --help):
  (none)    open the wizard on the Compose project in this folder (or -f FILE)
  demo      open the wizard on the bundled Email-RAG sample; nothing real is touched;
            `cutover demo status|plan|data` print those reports on the sample
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

# Each command's own help: (usage, description).
COMMAND_HELP = {
    DEMO: (
        "cutover demo [status|plan|data] [--fixed] [options]",
        "Open the wizard on the bundled Email-RAG sample (assets/demo): simulated cluster,\n"
        "Docker host and keyring, nothing real is touched. The sample is broken on purpose.\n"
        "\n"
        "  cutover demo              the wizard on the sample\n"
        "  cutover demo --fixed      the same with its planted problems fixed (the gate can open)\n"
        "  cutover demo status       the status report on the sample (also: cutover --demo status)\n"
        "  cutover demo plan         the mapping diff of the sample\n"
        "  cutover demo data         the data plan of the sample\n"
        "\n"
        "What you do in the demo is kept for its next run, in its own state file (never the\n"
        "sample's folder): $XDG_STATE_HOME/compose-cutover/demo/state.json, by default\n"
        "~/.local/state/compose-cutover/demo/state.json (--fixed: demo/fixed/state.json;\n"
        "CUTOVER_DEMO_STATE_DIR replaces the folder). It holds your step, the acknowledgements,\n"
        "the Secret applied (key names and sha256 digests, never a value: the demo's keyring\n"
        "is in memory), the copies and down; the simulated cluster and host replay them.\n"
        "--fresh forgets all of it.\n"
        "\n"
        "Each report takes its own options: cutover demo status --help.",
    ),
    STATUS: (
        "cutover status [--all] [--long] [--json] [options]",
        "Every step's state without a UI, read-only: the same checks the wizard and the gate\n"
        "run, now. The first line is the verdict and its totals (BLOCKED, READY or UNKNOWN),\n"
        "then each step with its problems, one line each, fitted to the terminal's width\n"
        "(100 columns into a pipe or a file). Each problem shows once, under its own step;\n"
        "the gate's section points to those steps.\n"
        "\n"
        "Exit codes: 0 nothing blocks, 1 something blocks, 2 could not find out (a service\n"
        "unreachable, bad configuration).",
    ),
    PLAN: (
        "cutover plan [--json] [options]",
        "The per-service mapping diff: each Compose service next to the Kubernetes workload\n"
        "it became, field by field. Works offline from --manifests alone. Exit 1 when a row\n"
        "blocks.",
    ),
    DATA: (
        "cutover data [--json] [options]\n       cutover data copy VOLUME... | --all [--yes]",
        "Which Compose volume moves into which claim, how, and whether each copy is verified\n"
        "(read-only). `cutover data copy` copies and verifies them: what will happen first,\n"
        "then a typed yes (or --yes). Exit 0 all verified or skipped, 1 otherwise, 2 unknown.",
    ),
}


class _Options:
    """Adds an option to the parser when it applies to the command being built."""

    def __init__(
        self, parser: argparse.ArgumentParser, command: str | None, on_demo: bool = False
    ) -> None:
        self._parser = parser
        self._command = command
        self._on_demo = on_demo

    def group(self, title: str, where: Sequence[str]) -> _Group | None:
        if self._command is not None and self._command not in where:
            return None
        if self._on_demo and title in _NOT_ON_THE_DEMO:
            return None  # `cutover demo status --help`: the sample is the project and cluster
        return _Group(self._parser.add_argument_group(title), self._command)


_NOT_ON_THE_DEMO = ("Compose project", "Kubernetes target")


class _Group:
    def __init__(self, group: argparse._ArgumentGroup, command: str | None) -> None:
        self._group = group
        self._command = command

    def add(self, *names: str, where: Sequence[str], alone: bool = False, **kwargs: Any) -> None:
        """`alone`: only in the command's own help (the full parser has it in another group)."""
        if (self._command is None and not alone) or self._command in where:
            self._group.add_argument(*names, **kwargs)


def build_parser(command: str | None = None, on_demo: bool = False) -> argparse.ArgumentParser:
    """The parser of every command line (`command` None), or the one `cutover COMMAND --help`
    shows: only the options that COMMAND takes, with its own usage and description (`on_demo`:
    as `cutover demo COMMAND`, without the options that name a real project or cluster)."""
    if command is None:
        parser = argparse.ArgumentParser(
            prog="cutover",
            description=DESCRIPTION,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            add_help=False,
        )
        parser.add_argument("command", nargs="?", choices=COMMANDS, help=argparse.SUPPRESS)
        # `data copy VOLUME...`, `demo status`: the words after the command.
        parser.add_argument("words", nargs="*", help=argparse.SUPPRESS)
    else:
        usage, description = COMMAND_HELP[command]
        if on_demo and command != DEMO:
            usage = usage.replace(f"cutover {command}", f"cutover demo {command}")
            description += "\n\nHere on the bundled sample (assets/demo); nothing real is read."
        parser = argparse.ArgumentParser(
            prog=f"cutover {command}",
            usage=usage,
            description=description,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            add_help=False,
        )
    parser.add_argument(
        "-h",
        "--help",
        action="store_true",
        help="show this help (after a command: that command's own, e.g. cutover status --help)",
    )
    _add_options(_Options(parser, command, on_demo))
    return parser


def _add_options(options: _Options) -> None:
    compose = options.group("Compose project", REAL)
    if compose is not None:
        compose.add(
            "-f",
            "--file",
            where=REAL,
            dest="compose_files",
            action="append",
            default=[],
            metavar="FILE",
            help="Compose file; repeat to merge several (default: compose.yaml, compose.yml, "
            "docker-compose.yaml or docker-compose.yml in this folder, as Compose finds them)",
        )
        compose.add(
            "-p",
            "--project-name",
            where=REAL,
            metavar="NAME",
            help="Compose project name (default: the `name:` in the file, else the folder's name)",
        )
        compose.add(
            "--profile",
            where=REAL,
            dest="profiles",
            action="append",
            default=[],
            metavar="NAME",
            help="Compose profile to enable; repeat for several (default: COMPOSE_PROFILES, as "
            "Compose)",
        )
        compose.add(
            "--env-file",
            where=REAL,
            metavar="FILE",
            help="env file for ${VAR} interpolation (default: .env beside the Compose file)",
        )
        compose.add(
            "-H",
            "--docker-host",
            where=REAL,
            metavar="URL",
            help="Docker Engine: unix://, tcp:// or ssh://user@host (default: DOCKER_HOST)",
        )
    kube = options.group("Kubernetes target", REAL)
    if kube is not None:
        kube.add(
            "--kubeconfig",
            where=REAL,
            metavar="PATH",
            help="kubeconfig file(s), as KUBECONFIG (default: KUBECONFIG, else ~/.kube/config)",
        )
        kube.add(
            "--context",
            where=REAL,
            dest="kube_context",
            metavar="NAME",
            help="kubeconfig context (default: the current context, as kubectl)",
        )
        kube.add(
            "-n",
            "--namespace",
            where=REAL,
            metavar="NS",
            help="namespace of the target (default: the context's namespace, else 'default')",
        )
        kube.add(
            "-l",
            "--selector",
            where=REAL,
            metavar="SELECTOR",
            help="label selector of the target's objects, e.g. app=email-rag",
        )
        kube.add(
            "--manifests",
            where=REAL,
            dest="manifests_dir",
            metavar="DIR",
            help="folder of manifests to compare with (e.g. `helm template` output)",
        )
        kube.add(
            "--dns",
            where=(WIZARD, STATUS),
            dest="dns_servers",
            action="append",
            default=[],
            metavar="SERVER",
            help="a DNS server the Traffic step asks for the site's names (IP[:port]; "
            "repeatable; default: cutover.yaml `dns:`); the system resolver is always asked",
        )
    mode = options.group("Mode", (WIZARD, DEMO, *REPORTS))
    if mode is not None:
        mode.add(
            "--read-only",
            where=(WIZARD, DEMO, STATUS, DATA),
            action="store_true",
            help="only look: no entry fields, no writes, no down (enforced in the gateways)",
        )
        mode.add(
            "--fresh",
            where=(WIZARD, DEMO),
            action="store_true",
            help="start at the first step and forget the acknowledgements (the wizard "
            "otherwise resumes where it was, from .cutover/state.json beside the Compose file, "
            "which also keeps the record of an interrupted down); the demo forgets its whole "
            "simulated world too: see cutover demo --help",
        )
        mode.add(
            "--demo",
            where=REPORTS,
            action="store_true",
            help="on the bundled sample, as `cutover demo` (e.g. cutover --demo status)",
        )
        mode.add(
            "--fixed",
            where=(DEMO, *REPORTS),
            action="store_true",
            help="demo only: the sample with its planted problems fixed "
            "(assets/demo/k8s-fixed), so the gate can open",
        )
        mode.add(
            "--json",
            where=REPORTS,
            action="store_true",
            help="plan, status, data: print JSON instead of text",
        )
    report = options.group("Status", (STATUS,))
    if report is not None:
        report.add(
            "--long",
            where=(STATUS,),
            action="store_true",
            help="status: each message in full, wrapped, with its fix (default: one line each, "
            "cut to the width)",
        )
        report.add(
            "--all",
            where=(STATUS,),
            alone=True,
            action="store_true",
            help="the ok and info rows too (default: problems only)",
        )
    data = options.group("Data (cutover data copy VOLUME... | --all --yes)", (DATA,))
    if data is not None:
        data.add(
            "--all",
            where=(DATA,),
            action="store_true",
            help="status: the ok and info rows too (default: problems only); data copy: "
            "every volume of the plan",
        )
        data.add(
            "--yes",
            where=(DATA,),
            action="store_true",
            help="data copy: go ahead without asking (scripts)",
        )
        data.add(
            "--replace",
            where=(DATA,),
            action="store_true",
            help="data copy: a PostgreSQL target that already has tables is emptied first",
        )
        data.add(
            "--while-running",
            where=(DATA,),
            action="store_true",
            help="data copy: copy files while the Compose services that mount them still run "
            "(copy again once they are stopped; the gate blocks if they write afterwards)",
        )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, options anywhere among the words. `cutover demo status` is the demo's
    status: `command` is then "status" and `demo` is set."""
    args = build_parser().parse_intermixed_args(argv)
    args.demo = args.demo or args.command == DEMO
    if args.command == DEMO and args.words[:1] and args.words[0] in REPORTS:
        args.command, args.words = args.words[0], args.words[1:]
    return args


def help_text(args: argparse.Namespace) -> str:
    """The help for what was typed before --help: the command's own, else everything."""
    if args.command is None:
        return build_parser().format_help()
    return build_parser(args.command, on_demo=args.demo).format_help()

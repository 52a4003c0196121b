"""Move one Docker volume's files into a Kubernetes volume, then prove they arrived.

The method, over the real things:
1. **Copy**: the engine's tar stream of the volume (a helper container that mounts it
   read-only) sent into `tar -x` in a container that mounts the target claim, through the exec
   API (over SPDY, as kubectl; or framed over the websocket: see wizard.gateways.kube.exec).
   The stream is read as it passes (`tarstream.TarScanner`): per file a sha256, size, mode,
   owner; per symlink its target; the stream's length and sha256.
   Beside it, a second read of the stream only counts its bytes, for the progress's total.
2. **Verify the target**: in that container, sha256 of every file and the type, mode, owner and
   link of every entry, compared with the copy's listing by path. Any difference is named.
   Meanwhile the stream is read once more and hashed: another length or digest than the copy's
   means the volume changed while it was copied (a writer still runs), and the copy is not
   trusted.

About 400 lines: the passes of one method and the target's listing format.

The source is never modified (read-only mount, never-started helper). Nothing here holds more than
a few chunks of the stream at a time.
"""

from __future__ import annotations

import hashlib
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wizard.data.tarstream import Entry, TarScanner, relative
from wizard.errors import GatewayError
from wizard.gateways.kube.exec import STREAM_END

if TYPE_CHECKING:
    from wizard.gateways.protocols import Cluster, ComposeHost

# Bytes of verification listing kept from the target: 16 MiB is ~150,000 files' lines.
LISTING_LIMIT = 16 << 20


@dataclass(frozen=True)
class Listing:
    """A volume's entries by path, and the tar stream they came in."""

    entries: dict[str, Entry]
    stream_bytes: int
    stream_sha256: str

    @property
    def files(self) -> int:
        return sum(1 for e in self.entries.values() if e.kind == "file")

    @property
    def file_bytes(self) -> int:
        return sum(e.size for e in self.entries.values() if e.kind == "file")


@dataclass
class Progress:
    """Bytes sent of the stream, and what that makes in rate and time left."""

    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Bytes per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


@dataclass(frozen=True)
class Target:
    """Where the files go: a container that mounts the claim, and the mount's path there."""

    pod: str
    container: str
    path: str


@dataclass(frozen=True)
class FilesResult:
    source: Listing
    differences: tuple[str, ...]  # empty: verified
    seconds_listing: float  # 0: no pass of its own any more, the listing comes with the copy
    seconds_copy: float
    seconds_verify: float  # the target's listing, and the source read again beside it

    @property
    def verified(self) -> bool:
        return not self.differences


class CopyFailed(GatewayError):
    """The copy did not arrive whole; the message says what differs, the source is untouched."""


class TargetNotEmpty(CopyFailed):
    """The target already holds data; replacing it needs the operator's yes."""


# ---------------------------------------------------------------------------------------------
# The copy, listing the source on the way
# ---------------------------------------------------------------------------------------------


def read_listing(chunks: Iterable[bytes]) -> Listing:
    """Every entry of a tar stream with its file's sha256, and the stream's length and digest."""
    scanner = TarScanner()
    for chunk in chunks:
        scanner.feed(chunk)
    return _listing(scanner)


def _listing(scanner: TarScanner) -> Listing:
    return Listing(scanner.entries, scanner.count, scanner.digest.hexdigest())


def copy_volume(
    host: ComposeHost,
    cluster: Cluster,
    volume: str,
    image: str,
    target: Target,
    on_progress: Callable[[Progress], None] | None = None,
    replace: bool = False,
) -> FilesResult:
    """Copy `volume` into `target` listing it on the way, verify it there. A target that holds
    files is refused (TargetNotEmpty) unless `replace`, which empties it first. Raises CopyFailed
    when the volume changed while it was copied (a writer is running); returns the differences
    found by verification (none: verified). `on_progress` from the moment the stream's length is
    known (counted beside the copy), and once at the end."""
    held = target_entries(cluster, target)
    if held and not replace:
        raise TargetNotEmpty(
            f"{target.path} in {target.pod} already holds {held} entries: nothing was copied",
            fix="If they may go (an earlier or interrupted copy), copy again replacing them "
            "(--replace empties the claim first); otherwise point the step at an empty claim.",
        )
    if held:
        empty_target(cluster, target)
    started = time.monotonic()
    progress = Progress(0)
    # Only for the progress's total: nobody watching, nobody needs it. A failure of its own
    # leaves the total at what was sent; the copy does not depend on it.
    counting = _Reading(host, volume, image, hashing=False) if on_progress else None

    def sent(done: int) -> None:
        progress.done = done
        if counting is not None and counting.finished and on_progress is not None:
            progress.total = max(counting.count, done)
            on_progress(progress)

    command = ["tar", "-x", "-f", "-", "-C", target.path]
    scanner = TarScanner()
    try:
        with host.volume_archive(volume, image) as chunks:
            result = cluster.exec_in(
                target.pod,
                target.container,
                command,
                stdin=_scanned(chunks, scanner),
                stdin_length=STREAM_END,
                on_sent=sent,
            )
    finally:
        if counting is not None:
            counting.stop()
    copied = time.monotonic()
    if counting is not None and on_progress is not None:
        progress.total = max(counting.count if counting.finished else 0, progress.done)
        on_progress(progress)
    source = _listing(scanner)
    if result.exit_code != 0 or result.sent != source.stream_bytes:
        raise CopyFailed(
            f"tar in {target.pod}/{target.container} ended with exit code {result.exit_code} "
            f"after {result.sent} of {source.stream_bytes} bytes: {_first_line(result.stderr)}",
            fix=f"Check that {target.path} is the claim's mount and is writable, and that the "
            "image has tar; the source is untouched.",
        )
    again = _Reading(host, volume, image, hashing=True)
    try:
        differences = verify_target(cluster, target, source)
        again.wait()
    finally:
        again.stop()
    if (again.count, again.digest) != (source.stream_bytes, source.stream_sha256):
        raise CopyFailed(
            f"Volume {volume} changed while it was copied ({source.stream_bytes} bytes copied, "
            f"{again.count} read again just after, not the same): something still writes to it",
            fix="Stop the services that write it (they are listed on the Data step), then copy "
            "again; the target's copy is not trusted.",
        )
    return FilesResult(source, tuple(differences), 0.0, copied - started, time.monotonic() - copied)


def _scanned(chunks: Iterable[bytes], scanner: TarScanner) -> Iterator[bytes]:
    """The chunks as they go out, each read by `scanner` first (on the exec's reading thread,
    while the websocket sends the chunk before)."""
    for chunk in chunks:
        scanner.feed(chunk)
        yield chunk


class _Reading:
    """The volume's stream read in a thread of its own, beside other work: its length, and its
    sha256 when `hashing`. `wait` raises what the reading raised; `stop` ends it early (the
    engine's helper container is removed either way)."""

    def __init__(self, host: ComposeHost, volume: str, image: str, hashing: bool) -> None:
        self.count = 0
        self.digest = ""
        self._stopping = threading.Event()
        self._error: BaseException | None = None
        self._complete = False

        def read() -> None:
            hashing_ = hashlib.sha256() if hashing else None
            try:
                with host.volume_archive(volume, image) as chunks:
                    for chunk in chunks:
                        if self._stopping.is_set():
                            return
                        self.count += len(chunk)
                        if hashing_ is not None:
                            hashing_.update(chunk)
                self.digest = hashing_.hexdigest() if hashing_ is not None else ""
                self._complete = True
            except BaseException as exc:  # raised in the caller's thread by `wait`
                self._error = exc

        self._thread = threading.Thread(target=read, name=f"read-{volume}", daemon=True)
        self._thread.start()

    @property
    def finished(self) -> bool:
        """Read to the end without an error."""
        return self._complete

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)


# ---------------------------------------------------------------------------------------------
# Pass 3: the target, compared
# ---------------------------------------------------------------------------------------------

# Run in the target container with `cd` to the mount: busybox and coreutils both understand it.
# One line per entry: type, octal mode, uid, gid, path; then one per file: sha256, path; then one
# per symlink: path, target. Sections are separated by a line "--". The files are hashed by two
# of these at once, each taking every other file (`HASHES`): hashing is most of the time, and a
# sha256sum uses one core.
HASHES = "find . -type f | awk 'NR%2=={half}' | tr '\\n' '\\0' | xargs -0 -r sha256sum"
LIST_SCRIPT = rf"""
find . -mindepth 1 -exec stat -c '%F|%a|%u|%g|%n' {{}} + &&
echo -- &&
{HASHES.format(half=0)} &&
echo -- &&
find . -type l | while IFS= read -r l; do printf '%s|%s\n' "$l" "$(readlink "$l")"; done
"""


def _in_target(
    cluster: Cluster, target: Target, script: str, doing: str, fix: str, keep: int = 1 << 20
) -> bytes:
    """Run a shell script in the target's container; its stdout, or CopyFailed saying what
    `doing` failed, with the exit code and the first line of stderr."""
    result = cluster.exec_in(target.pod, target.container, ["sh", "-c", script], keep=keep)
    if result.exit_code != 0:
        raise CopyFailed(
            f"{doing} {target.path} in {target.pod}/{target.container} failed "
            f"(exit code {result.exit_code}): {_first_line(result.stderr)}",
            fix=fix,
        )
    return result.stdout


def target_entries(cluster: Cluster, target: Target) -> int:
    """How many entries the target's mount holds (0: empty, ready for a copy)."""
    script = f"find {shlex.quote(target.path)} -mindepth 1 | wc -l"
    fix = "Check that the claim is mounted there and the image has find (busybox has)."
    return int(_in_target(cluster, target, script, "Looking into", fix).strip() or 0)


def empty_target(cluster: Cluster, target: Target) -> None:
    """Remove everything under the target's mount (never the mount itself)."""
    # A copy cut short may leave its `tar -x` still writing here for a moment (the exec's end
    # does not stop it at once): remove, and try again while entries keep appearing, up to 10 s;
    # the last try says what it could not remove.
    path = shlex.quote(target.path)
    remove = f"find {path} -mindepth 1 -maxdepth 1 -exec rm -rf {{}} +"
    script = (
        f"for i in 1 2 3 4 5 6 7 8 9 10; do {remove} 2>/dev/null; "
        f'[ -z "$(ls -A {path})" ] && exit 0; sleep 1; done; {remove}'
    )
    fix = "Empty the claim by hand, then copy again; the source is untouched."
    _in_target(cluster, target, script, "Emptying", fix)


def target_listing(cluster: Cluster, target: Target) -> dict[str, Entry]:
    """The entries at the target's mount, as `read_listing` would give them."""
    cd = f"cd {shlex.quote(target.path)} && "
    fix = (
        "The image needs find, stat, awk, xargs and sha256sum (busybox has them); or copy "
        "through a helper pod."
    )
    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(
            _in_target, cluster, target, cd + HASHES.format(half=1), "Listing", fix, LISTING_LIMIT
        )
        stdout = _in_target(cluster, target, cd + LIST_SCRIPT, "Listing", fix, LISTING_LIMIT)
        other_half = other.result()
    if len(stdout) + len(other_half) >= LISTING_LIMIT:
        raise CopyFailed(
            f"The listing of {target.path} is larger than {LISTING_LIMIT >> 20} MiB",
            fix="Too many files to verify in one listing; split the volume.",
        )
    # Three sections, split by a line "--" (a section may be empty: an empty volume).
    sections: list[list[str]] = [[], [], []]
    part = 0
    for line in stdout.decode("utf-8", "surrogateescape").splitlines():
        if line == "--":
            part = min(part + 1, 2)
        elif line:
            sections[part].append(line)
    stats, hashes, links = sections
    hashes += other_half.decode("utf-8", "surrogateescape").splitlines()
    entries: dict[str, Entry] = {}
    digests = {}
    for line in filter(None, hashes):
        digest, _, name = line.partition("  ")
        digests[relative(name)] = digest
    targets = {}
    for line in links:
        name, _, link = line.partition("|")
        targets[relative(name)] = link
    for line in stats:
        kind, mode, uid, gid, name = line.split("|", 4)
        path = relative(name)
        entries[path] = Entry(
            path=path,
            kind=_stat_kind(kind),
            mode=int(mode, 8),
            uid=int(uid),
            gid=int(gid),
            sha256=digests.get(path, ""),
            link=targets.get(path, ""),
        )
    return entries


def _stat_kind(kind: str) -> str:
    kind = kind.lower()
    if kind.startswith("regular"):
        return "file"
    if kind == "directory":
        return "dir"
    if kind == "symbolic link":
        return "symlink"
    return "other"


def verify_target(cluster: Cluster, target: Target, source: Listing) -> list[str]:
    """What differs between the source's listing and the target's, one line per path."""
    return compare(source.entries, target_listing(cluster, target))


def compare(source: dict[str, Entry], target: dict[str, Entry]) -> list[str]:
    """Differences by path: missing, extra, another type, content, mode, owner or link."""
    found = []
    for path in sorted(source.keys() | target.keys()):
        want, got = source.get(path), target.get(path)
        if got is None:
            found.append(f"{path}: missing on the target")
            continue
        if want is None:
            found.append(f"{path}: on the target only")
            continue
        if want.kind != got.kind:
            found.append(f"{path}: a {want.kind} in Compose, a {got.kind} on the target")
            continue
        if want.kind == "file" and want.sha256 != got.sha256:
            found.append(
                f"{path}: content differs (sha256 {want.sha256[:12]}… vs {got.sha256[:12]}…)"
            )
        if want.kind == "symlink" and want.link != got.link:
            found.append(f"{path}: links to {got.link!r}, not {want.link!r}")
        if want.kind != "symlink" and want.mode != got.mode:
            found.append(f"{path}: mode {got.mode:o}, not {want.mode:o}")
        if (want.uid, want.gid) != (got.uid, got.gid):
            found.append(f"{path}: owner {got.uid}:{got.gid}, not {want.uid}:{want.gid}")
    return found


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "(nothing on stderr)"

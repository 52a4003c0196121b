"""Move one Docker volume's files into a Kubernetes volume, then prove they arrived.

The method, in three passes over the real things:
1. **List the source**: the engine's tar stream of the volume (a helper container that mounts it
   read-only), read once: per file a sha256, size, mode, owner; per symlink its target; the
   stream's length and its own sha256.
2. **Copy**: the same stream read again and sent into `head -c LENGTH | tar -x` in a container
   that mounts the target claim, through the exec API (its stdin cannot be closed on a 1.20
   server: the length announced is what ends it). The stream's bytes are hashed as they pass:
   a different length or digest than pass 1's means the volume changed while it was copied
   (a writer still runs), and the copy is not trusted.
3. **Verify the target**: in that container, sha256 of every file and the type, mode, owner and
   link of every entry, compared with pass 1 by path. Any difference is named.

About 400 lines: the three passes of one method and the listing format both sides share.

The source is never modified (read-only mount, never-started helper). Nothing here holds more than
one chunk of the stream at a time.
"""

from __future__ import annotations

import hashlib
import shlex
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from wizard.errors import GatewayError

if TYPE_CHECKING:
    from wizard.gateways.protocols import Cluster, ComposeHost

HASH_BLOCK = 1 << 20
# Bytes of verification listing kept from the target: 16 MiB is ~150,000 files' lines.
LISTING_LIMIT = 16 << 20


@dataclass(frozen=True)
class Entry:
    """One entry of a volume, as both sides are compared."""

    path: str  # relative to the volume's root, without "./"
    kind: str  # file | dir | symlink | other
    mode: int  # permission bits
    uid: int
    gid: int
    size: int = 0
    sha256: str = ""
    link: str = ""


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
    seconds_listing: float  # pass 1
    seconds_copy: float  # pass 2
    seconds_verify: float  # pass 3

    @property
    def verified(self) -> bool:
        return not self.differences


class CopyFailed(GatewayError):
    """The copy did not arrive whole; the message says what differs, the source is untouched."""


class TargetNotEmpty(CopyFailed):
    """The target already holds data; replacing it needs the operator's yes."""


# ---------------------------------------------------------------------------------------------
# Pass 1: the source's listing
# ---------------------------------------------------------------------------------------------


class _Counted:
    """A file-like view of byte chunks for `tarfile`'s stream mode, counting and hashing every
    byte that passes."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self.count = 0
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.count += len(data)
        self.digest.update(data)
        return data


def read_listing(chunks: Iterable[bytes]) -> Listing:
    """Every entry of a tar stream with its file's sha256, and the stream's length and digest."""
    counted = _Counted(chunks)
    entries: dict[str, Entry] = {}
    with tarfile.open(fileobj=counted, mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            path = _relative(member.name)
            if not path:
                continue  # the volume's root itself
            digest = ""
            if member.isreg():
                body: IO[bytes] | None = archive.extractfile(member)
                hashing = hashlib.sha256()
                while body is not None and (block := body.read(HASH_BLOCK)):
                    hashing.update(block)
                digest = hashing.hexdigest()
            entries[path] = Entry(
                path=path,
                kind=_kind(member),
                mode=member.mode & 0o7777,
                uid=member.uid,
                gid=member.gid,
                size=member.size if member.isreg() else 0,
                sha256=digest,
                link=member.linkname if member.issym() else "",
            )
    while counted.read(HASH_BLOCK):
        pass  # the archive's trailing blocks count too: they are part of the stream sent
    return Listing(entries, counted.count, counted.digest.hexdigest())


def _relative(name: str) -> str:
    name = name.removeprefix("./").rstrip("/")
    return "" if name == "." else name


def _kind(member: tarfile.TarInfo) -> str:
    if member.isreg():
        return "file"
    if member.isdir():
        return "dir"
    if member.issym():
        return "symlink"
    return "other"


# ---------------------------------------------------------------------------------------------
# Pass 2: the copy
# ---------------------------------------------------------------------------------------------


def copy_volume(
    host: ComposeHost,
    cluster: Cluster,
    volume: str,
    image: str,
    target: Target,
    on_progress: Callable[[Progress], None] | None = None,
    replace: bool = False,
) -> FilesResult:
    """List `volume`, copy it into `target`, verify it there. A target that holds files is
    refused (TargetNotEmpty) unless `replace`, which empties it first. Raises CopyFailed when
    the stream changed between the passes (a writer is running); returns the differences found
    by verification (none: verified)."""
    held = target_entries(cluster, target)
    if held and not replace:
        raise TargetNotEmpty(
            f"{target.path} in {target.pod} already holds {held} entries: nothing was copied",
            fix="If they may go (an earlier or interrupted copy), copy again replacing them "
            "(--replace empties the claim first); otherwise point the step at an empty claim.",
        )
    if held:
        empty_target(cluster, target)
    listing = time.monotonic()
    with host.volume_archive(volume, image) as chunks:
        source = read_listing(chunks)
    started = time.monotonic()
    progress = Progress(source.stream_bytes)

    def sent(done: int) -> None:
        progress.done = done
        if on_progress is not None:
            on_progress(progress)

    dest = shlex.quote(target.path)
    command = ["sh", "-c", f"head -c {source.stream_bytes} | tar -x -f - -C {dest}"]
    with host.volume_archive(volume, image) as chunks:
        passing = _Passing(chunks)
        result = cluster.exec_in(
            target.pod,
            target.container,
            command,
            stdin=passing,
            stdin_length=source.stream_bytes,
            on_sent=sent,
        )
    copied = time.monotonic()
    if (passing.count, passing.digest.hexdigest()) != (source.stream_bytes, source.stream_sha256):
        raise CopyFailed(
            f"Volume {volume} changed while it was copied ({passing.count} bytes streamed, "
            f"{source.stream_bytes} listed just before): something still writes to it",
            fix="Stop the services that write it (they are listed on the Data step), then copy "
            "again; the target's copy is not trusted.",
        )
    if result.exit_code != 0:
        raise CopyFailed(
            f"tar in {target.pod}/{target.container} ended with exit code {result.exit_code}: "
            f"{_first_line(result.stderr)}",
            fix=f"Check that {target.path} is the claim's mount and is writable, and that the "
            "image has tar; the source is untouched.",
        )
    differences = verify_target(cluster, target, source)
    return FilesResult(
        source,
        tuple(differences),
        started - listing,
        copied - started,
        time.monotonic() - copied,
    )


class _Passing:
    """The chunks as they go out, counted and hashed (pass 2 must send what pass 1 listed)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self.count = 0
        self.digest = hashlib.sha256()

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.count += len(chunk)
            self.digest.update(chunk)
            yield chunk


# ---------------------------------------------------------------------------------------------
# Pass 3: the target, compared
# ---------------------------------------------------------------------------------------------

# Run in the target container with `cd` to the mount: busybox and coreutils both understand it.
# One line per entry: type, octal mode, uid, gid, path; then one per file: sha256, path; then one
# per symlink: path, target. Sections are separated by a line "--".
LIST_SCRIPT = r"""
find . -mindepth 1 -exec stat -c '%F|%a|%u|%g|%n' {} + &&
echo -- &&
find . -type f -exec sha256sum {} + &&
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
    script = f"find {shlex.quote(target.path)} -mindepth 1 -maxdepth 1 -exec rm -rf {{}} +"
    fix = "Empty the claim by hand, then copy again; the source is untouched."
    _in_target(cluster, target, script, "Emptying", fix)


def target_listing(cluster: Cluster, target: Target) -> dict[str, Entry]:
    """The entries at the target's mount, as `read_listing` would give them."""
    script = f"cd {shlex.quote(target.path)} && {LIST_SCRIPT}"
    fix = (
        "The image needs find, stat and sha256sum (busybox has them); or copy through a helper pod."
    )
    stdout = _in_target(cluster, target, script, "Listing", fix, keep=LISTING_LIMIT)
    if len(stdout) >= LISTING_LIMIT:
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
    entries: dict[str, Entry] = {}
    digests = {}
    for line in hashes:
        digest, _, name = line.partition("  ")
        digests[_relative(name)] = digest
    targets = {}
    for line in links:
        name, _, link = line.partition("|")
        targets[_relative(name)] = link
    for line in stats:
        kind, mode, uid, gid, name = line.split("|", 4)
        path = _relative(name)
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

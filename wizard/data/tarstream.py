"""A tar stream read as it passes: every entry and each file's sha256, without holding the stream.

The copy sends the engine's tar stream on as it arrives, and this reads it on the way (`feed`
each chunk): the source's listing comes out of the copy itself, so the volume is not read once
more for it. `tarfile` cannot do that (it pulls from a file object and copies its buffer at
every read); this only parses the 512-byte headers (with `tarfile.TarInfo.frombuf`) and hashes
the file data in place. Understood: ustar and GNU headers, PAX records (path, linkpath, size, uid,
gid; per entry and global), GNU long names and links. A hard link (the engine writes one for a
file's second name) is listed as the file it names: on disk it is one.
"""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass

BLOCK = 512


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


def relative(name: str) -> str:
    """A member's name as a path under the volume's root ("" for the root itself)."""
    name = name.removeprefix("./").rstrip("/")
    return "" if name == "." else name


class TarScanner:
    """Feed it a tar stream chunk by chunk; `entries` by path, `count` and `digest` of the whole
    stream (the trailing blocks too: they are part of what is sent)."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.count = 0
        self.digest = hashlib.sha256()
        self._header = bytearray()  # a header block arriving in pieces
        self._left = 0  # data bytes of the current member still to come
        self._skip = 0  # padding after them
        self._member: tarfile.TarInfo | None = None
        self._hash: hashlib._Hash | None = None  # a regular file's data
        self._extension = bytearray()  # a PAX header's or a GNU long name's data
        self._pax: dict[str, str] = {}  # for the next entry
        self._global: dict[str, str] = {}
        self._long: dict[bytes, str] = {}  # GNU long name or link, for the next entry
        self._ended = False

    def feed(self, chunk: bytes | memoryview) -> None:
        self.count += len(chunk)
        self.digest.update(chunk)
        data = memoryview(chunk)
        at = 0
        while at < len(data) and not self._ended:
            if self._left:
                take = min(self._left, len(data) - at)
                piece = data[at : at + take]
                if self._hash is not None:
                    self._hash.update(piece)
                elif self._member is not None and self._member.type in _EXTENSIONS:
                    self._extension += piece
                at += take
                self._left -= take
                if not self._left:
                    self._member_done()
            elif self._skip:
                take = min(self._skip, len(data) - at)
                at += take
                self._skip -= take
            else:
                take = min(BLOCK - len(self._header), len(data) - at)
                self._header += data[at : at + take]
                at += take
                if len(self._header) == BLOCK:
                    block, self._header = bytes(self._header), bytearray()
                    self._member_starts(block)

    def _member_starts(self, block: bytes) -> None:
        if block == _ZEROS:
            self._ended = True  # the archive's end: what follows is more end
            return
        member = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        overrides = {**self._global, **self._pax} if member.type not in _EXTENSIONS else {}
        if "size" in overrides:
            member.size = int(overrides["size"])
        self._member = member
        self._hash = hashlib.sha256() if member.isreg() else None
        self._extension = bytearray()
        size = member.size if member.isreg() or member.type in _EXTENSIONS else 0
        self._left = size
        self._skip = -size % BLOCK
        if not size:
            self._member_done()

    def _member_done(self) -> None:
        member = self._member
        assert member is not None
        if member.type in _EXTENSIONS:
            self._extension_done(member.type, bytes(self._extension))
            return
        overrides = {**self._global, **self._pax}
        self._pax = {}
        name = overrides.get("path") or self._long.pop(tarfile.GNUTYPE_LONGNAME, member.name)
        link = overrides.get("linkpath") or self._long.pop(
            tarfile.GNUTYPE_LONGLINK, member.linkname
        )
        path = relative(name)
        if not path:
            return  # the volume's root itself
        uid = int(overrides.get("uid", member.uid))
        gid = int(overrides.get("gid", member.gid))
        mode = member.mode & 0o7777
        if member.islnk():
            # Another name of a file already in the stream: the same file on disk.
            first = self.entries.get(relative(link))
            if first is not None and first.kind == "file":
                self.entries[path] = Entry(path, "file", mode, uid, gid, first.size, first.sha256)
                return
        if member.isreg():
            assert self._hash is not None
            entry = Entry(path, "file", mode, uid, gid, member.size, self._hash.hexdigest())
        elif member.isdir():
            entry = Entry(path, "dir", mode, uid, gid)
        elif member.issym():
            entry = Entry(path, "symlink", mode, uid, gid, link=link)
        else:
            entry = Entry(path, "other", mode, uid, gid)
        self.entries[path] = entry

    def _extension_done(self, kind: bytes, data: bytes) -> None:
        if kind in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
            text = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            self._long[kind] = text
            return
        records = _pax_records(data)
        if kind == tarfile.XGLTYPE:
            self._global.update(records)
        else:
            self._pax.update(records)


_ZEROS = bytes(BLOCK)
_EXTENSIONS = (
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
)


def _pax_records(data: bytes) -> dict[str, str]:
    """`LENGTH KEY=VALUE\\n` records (the length counts the whole record)."""
    records = {}
    at = 0
    while at < len(data):
        space = data.find(b" ", at)
        if space < 0:
            break
        length = int(data[at:space])
        if length <= 0:
            break
        key, _, value = data[space + 1 : at + length - 1].partition(b"=")
        records[key.decode("utf-8", "surrogateescape")] = value.decode("utf-8", "surrogateescape")
        at += length
    return records

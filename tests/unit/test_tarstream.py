"""The tar stream read as it passes: the same listing whatever the chunks' sizes, for the formats
an engine or GNU tar writes (ustar, PAX, GNU long names), hard links as the files they name."""

from __future__ import annotations

import hashlib
import io
import tarfile

import pytest

from wizard.data.tarstream import Entry, TarScanner

BIG = bytes(range(256)) * 4000  # 1,024,000 bytes: not a multiple of a block
LONG = "./" + "deep/" * 30 + "name.txt"  # past ustar's 100 + 155 characters


def _archive(format: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=format) as archive:

        def add(name: str, data: bytes | None = None, **fields: object) -> None:
            member = tarfile.TarInfo(name)
            for key, value in fields.items():
                setattr(member, key, value)
            if data is None:
                archive.addfile(member)
            else:
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))

        add("./", type=tarfile.DIRTYPE, mode=0o755)
        add("./a.txt", b"hello\n", mode=0o640, uid=33, gid=44)
        add("./big.bin", BIG, mode=0o2755)
        add("./empty", b"", mode=0o600)
        add("./latest", type=tarfile.SYMTYPE, linkname="a.txt", mode=0o777)
        add("./again.txt", type=tarfile.LNKTYPE, linkname="./a.txt", mode=0o640, uid=33, gid=44)
        add("./queue", type=tarfile.FIFOTYPE, mode=0o644)
        if format != tarfile.USTAR_FORMAT:
            add(LONG, b"far down\n", mode=0o644)
            add("./ünïcode.txt", b"x", mode=0o644)
    return buffer.getvalue()


@pytest.mark.parametrize("format", [tarfile.PAX_FORMAT, tarfile.GNU_FORMAT, tarfile.USTAR_FORMAT])
@pytest.mark.parametrize("step", [1, 7, 511, 512, 4096, 1 << 20])
def test_every_entry_is_listed_whatever_the_chunks(format: int, step: int) -> None:
    stream = _archive(format)
    scanner = TarScanner()
    for start in range(0, len(stream), step):
        scanner.feed(stream[start : start + step])

    assert scanner.count == len(stream)
    assert scanner.digest.hexdigest() == hashlib.sha256(stream).hexdigest()
    hello = hashlib.sha256(b"hello\n").hexdigest()
    entries = scanner.entries
    assert "" not in entries  # the volume's root itself is not an entry
    assert entries["a.txt"] == Entry("a.txt", "file", 0o640, 33, 44, 6, hello)
    assert entries["big.bin"].sha256 == hashlib.sha256(BIG).hexdigest()
    assert (entries["big.bin"].size, entries["big.bin"].mode) == (len(BIG), 0o2755)
    assert entries["empty"].sha256 == hashlib.sha256(b"").hexdigest()
    assert entries["latest"].kind == "symlink" and entries["latest"].link == "a.txt"
    # A hard link is another name of a file: on disk, after tar -x, a file with its content.
    assert entries["again.txt"] == Entry("again.txt", "file", 0o640, 33, 44, 6, hello)
    assert entries["queue"].kind == "other"
    if format != tarfile.USTAR_FORMAT:
        assert entries[LONG.removeprefix("./")].sha256 == hashlib.sha256(b"far down\n").hexdigest()
        assert entries["ünïcode.txt"].kind == "file"


def test_what_follows_the_archives_end_is_counted_but_not_read() -> None:
    stream = _archive(tarfile.PAX_FORMAT) + bytes(4096)
    scanner = TarScanner()
    scanner.feed(stream)
    assert scanner.count == len(stream)
    assert len(scanner.entries) == 8

"""The Data step's *files* method on the real services: a Compose volume with nested folders,
symlinks, odd modes, other owners and a large file, streamed from the Docker Engine into a claim
mounted by a pod the real kubelet runs, then verified file by file on both sides; and the same at
a larger size (3,000 files in 100 folders, a 100 MB file, hard links, a fifo)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.support.pods import is_ready, running, template, wait_for_pods
from tests.support.workloads import create_bound_claim
from wizard.data.files import (
    CopyFailed,
    FilesResult,
    Progress,
    Target,
    TargetNotEmpty,
    compare,
    copy_volume,
    target_listing,
)
from wizard.errors import ReadOnlyRefused
from wizard.gateways.dockerhost import connect_compose_host
from wizard.gateways.kube.cluster import KubeCluster, connect_cluster

# Written into the Compose volume by the service itself: the tree the copy must reproduce.
SEED = r"""
set -e
cd /uploads
mkdir -p inbox/2026/12 archive/.hidden empty
i=0
while [ $i -lt 300 ]; do echo "message $i" > inbox/2026/12/mail-$i.eml; i=$((i+1)); done
head -c 20000000 /dev/urandom > archive/big.pst
printf 'secret notes\n' > archive/.hidden/notes.txt
chmod 0600 archive/.hidden/notes.txt
chmod 2750 archive
chown 33:44 inbox/2026/12/mail-7.eml
ln -s inbox/2026/12/mail-1.eml latest
ln -s /nowhere dangling
touch -d '2020-01-02 03:04:05' inbox/2026/12/mail-0.eml
echo seeded > /tmp/seeded
"""


def _compose(script: str) -> str:
    """A shell script as a Compose command: Compose would interpolate its `$`."""
    return script.replace("$", "$$")


@pytest.fixture
def uploads(compose_project: Callable[..., Any]) -> tuple[Any, str]:
    return _seeded(compose_project, SEED)


# The larger volume: 3,000 files in 100 nested folders with spaces in their names, a 100 MB file
# with a second name (a hard link), symlinks to a file, a folder and nowhere, a fifo, a sticky
# folder, a setuid file, a file nobody may read, a folder of another owner.
BIG_SEED = r"""
set -e
cd /uploads
for a in 0 1 2 3 4 5 6 7 8 9; do
  for b in 0 1 2 3 4 5 6 7 8 9; do
    mkdir -p "mail/$a/box $b"
    i=0
    while [ $i -lt 30 ]; do echo "message $a/$b/$i" > "mail/$a/box $b/m$i.eml"; i=$((i+1)); done
  done
done
head -c 100000000 /dev/urandom > attachments.bin
ln attachments.bin attachments-again.bin
ln -s "mail/0/box 0/m0.eml" first
ln -s mail/9 last-folder
ln -s /nowhere dangling
mkdir -m 1777 shared
chmod 0000 "mail/1/box 1/m1.eml"
chmod 4755 "mail/2/box 2/m2.eml"
chown -R 1000:1001 mail/4
mkfifo queue
echo seeded > /tmp/seeded
"""


def _seeded(compose_project: Callable[..., Any], seed: str) -> tuple[Any, str]:
    """A Compose project whose `app` service wrote `seed` into its named volume `uploads`;
    (the project, the engine's name of the volume)."""
    project = compose_project(
        {
            "services": {
                "app": {
                    "command": [
                        "sh",
                        "-c",
                        _compose(seed + "trap 'exit 0' TERM; sleep 3600 & wait"),
                    ],
                    "volumes": ["uploads:/uploads"],
                    # Healthy once seeded; seeding takes a few seconds, more on a busy machine.
                    "healthcheck": {
                        "test": ["CMD", "test", "-f", "/tmp/seeded"],
                        "interval": "1s",
                        "retries": 120,
                    },
                }
            },
            "volumes": {"uploads": {}},
        },
        up=False,
    )
    project.compose("up", "-d", "--wait", "--wait-timeout", "120")
    return project, f"{project.name}_uploads"


@pytest.fixture
def big_uploads(compose_project: Callable[..., Any]) -> tuple[Any, str]:
    return _seeded(compose_project, BIG_SEED)


@pytest.fixture
def claim_pod(admin_api: Any, namespace: str, tmp_path: Path) -> Iterator[Target]:
    """A claim bound to a hostPath PV, mounted at /data by a busybox pod the kubelet runs."""
    core = client.CoreV1Api(admin_api)
    folder = tmp_path / "pv"
    source = {"hostPath": {"path": str(folder), "type": "DirectoryOrCreate"}}
    pv = create_bound_claim(admin_api, namespace, "uploads", source)
    container = {**running("web"), "volumeMounts": [{"name": "u", "mountPath": "/data"}]}
    volume = {"name": "u", "persistentVolumeClaim": {"claimName": "uploads"}}
    core.create_namespaced_pod(
        namespace,
        {
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": template({}, [container], volumes=[volume])["spec"],
        },
    )
    try:
        wait_for_pods(admin_api, namespace, "app=web", lambda ps: is_ready(ps[0]))
        yield Target(pod="web", container="web", path="/data")
    finally:
        core.delete_persistent_volume(pv)


@pytest.fixture
def admin(admin_kubeconfig: str, namespace: str) -> Iterator[KubeCluster]:
    cluster = connect_cluster(admin_kubeconfig, None, namespace, read_only=False)
    yield cluster
    cluster.close()


Copy = Callable[[str], tuple[FilesResult, list[Progress]]]


@pytest.fixture
def copied(claim_pod: Target, admin: KubeCluster, docker_host: str, busybox_image: str) -> Copy:
    """Copy a volume (the engine's name) into `claim_pod` as cutover does: (the result, every
    progress reported)."""
    host = connect_compose_host(docker_host)

    def copy(volume: str) -> tuple[FilesResult, list[Progress]]:
        seen: list[Progress] = []
        return copy_volume(host, admin, volume, busybox_image, claim_pod, seen.append), seen

    return copy


def test_a_volume_moves_whole_and_is_verified(
    uploads: tuple[Any, str], copied: Copy, claim_pod: Target, admin: KubeCluster, tmp_path: Path
) -> None:
    result, seen = copied(uploads[1])

    assert result.verified, result.differences
    source = result.source
    assert source.files == 302 and source.file_bytes > 20_000_000
    entries = source.entries
    assert (
        entries["latest"].kind == "symlink" and entries["latest"].link == "inbox/2026/12/mail-1.eml"
    )
    assert entries["dangling"].link == "/nowhere"
    assert entries["archive"].mode == 0o2750 and entries["archive/.hidden/notes.txt"].mode == 0o600
    assert (entries["inbox/2026/12/mail-7.eml"].uid, entries["inbox/2026/12/mail-7.eml"].gid) == (
        33,
        44,
    )
    assert entries["empty"].kind == "dir"
    # Progress went up to the whole stream, and the files really are in the claim's folder.
    assert seen and seen[-1].done == source.stream_bytes and seen[-1].rate > 0
    on_disk = tmp_path / "pv"
    assert (on_disk / "archive" / ".hidden" / "notes.txt").read_text() == "secret notes\n"
    assert (on_disk / "archive" / "big.pst").stat().st_size == 20_000_000
    assert (on_disk / "latest").is_symlink()

    # One byte changed on the target: verification names that file, and only that one.
    big = on_disk / "archive" / "big.pst"
    with big.open("r+b") as f:
        f.seek(1234)
        first = f.read(1)
        f.seek(1234)
        f.write(bytes([first[0] ^ 0xFF]))
    differences = compare(source.entries, target_listing(admin, claim_pod))
    assert len(differences) == 1 and differences[0].startswith("archive/big.pst: content differs")


def test_a_volume_written_while_copied_is_not_trusted(
    compose_project: Callable[..., Any],
    claim_pod: Target,
    admin: KubeCluster,
    docker_host: str,
    busybox_image: str,
) -> None:
    """A writer still running between the listing and the copy: the stream differs, and the
    copy fails saying so (the source is never touched)."""
    writer = "i=0; while :; do echo $i >> /log/app.log; i=$((i+1)); sleep 0.01; done"
    project = compose_project(
        {
            "services": {
                "app": {"command": ["sh", "-c", _compose(writer)], "volumes": ["log:/log"]}
            },
            "volumes": {"log": {}},
        }
    )
    host = connect_compose_host(docker_host)
    with pytest.raises(CopyFailed) as refused:
        copy_volume(host, admin, f"{project.name}_log", busybox_image, claim_pod)
    assert "changed while it was copied" in refused.value.message
    assert "Stop the services that write it" in refused.value.fix


def test_read_only_gateways_refuse_before_sending_anything(
    admin_kubeconfig: str, namespace: str, docker_host: str
) -> None:
    sent: list[tuple[str, str]] = []
    cluster = connect_cluster(
        admin_kubeconfig, None, namespace, read_only=True, observer=lambda m, p: sent.append((m, p))
    )
    host = connect_compose_host(docker_host, read_only=True)
    with pytest.raises(ReadOnlyRefused):
        cluster.exec_in("web", "web", ["true"])
    with pytest.raises(ReadOnlyRefused), host.volume_archive(f"v-{secrets.token_hex(3)}", "x"):
        pass
    assert sent == []
    cluster.close()


class Interrupted(Exception):
    """Stands for a quit, a lost SSH session or a killed exec in the middle of the stream."""


def test_a_copy_cut_short_is_never_trusted_and_the_next_run_finishes_it(
    uploads: tuple[Any, str],
    claim_pod: Target,
    admin: KubeCluster,
    docker_host: str,
    busybox_image: str,
) -> None:
    _, volume = uploads
    host = connect_compose_host(docker_host)

    def cut_at_a_third(progress: Progress) -> None:
        if progress.done > progress.total // 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        copy_volume(host, admin, volume, busybox_image, claim_pod, cut_at_a_third)
    # Half a copy is there: a run that was not told the target is its own refuses to touch it.
    with pytest.raises(TargetNotEmpty) as refused:
        copy_volume(host, admin, volume, busybox_image, claim_pod)
    assert "already holds" in refused.value.message and "--replace" in refused.value.fix
    # The resume (cutover data copy knows it made that copy): emptied, copied, verified.
    result = copy_volume(host, admin, volume, busybox_image, claim_pod, replace=True)
    assert result.verified, result.differences
    assert result.source.files == 302


def test_thousands_of_files_and_a_100_mb_one_move_whole_and_a_changed_byte_is_named(
    big_uploads: tuple[Any, str],
    copied: Copy,
    claim_pod: Target,
    admin: KubeCluster,
    tmp_path: Path,
) -> None:
    result, seen = copied(big_uploads[1])

    assert result.verified, result.differences[:10]
    entries = result.source.entries
    assert result.source.files == 3002  # the 3,000 messages, the attachment and its second name
    assert result.source.file_bytes > 200_000_000
    assert entries["attachments-again.bin"].sha256 == entries["attachments.bin"].sha256
    assert entries["mail/1/box 1/m1.eml"].mode == 0
    assert entries["mail/2/box 2/m2.eml"].mode == 0o4755
    assert entries["shared"].mode == 0o1777
    assert (entries["mail/4/box 4/m4.eml"].uid, entries["mail/4/box 4/m4.eml"].gid) == (1000, 1001)
    assert entries["last-folder"].link == "mail/9" and entries["queue"].kind == "other"
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].done == seen[-1].total == result.source.stream_bytes
    on_disk = tmp_path / "pv"
    assert (on_disk / "attachments.bin").stat().st_size == 100_000_000
    assert (on_disk / "mail" / "7" / "box 7" / "m29.eml").read_text() == "message 7/7/29\n"

    # One byte changed in one message deep in the tree: verification names it, and only it.
    changed = on_disk / "mail" / "5" / "box 5" / "m5.eml"
    changed.write_bytes(changed.read_bytes().replace(b"5/5/5", b"5/5/6"))
    differences = compare(entries, target_listing(admin, claim_pod))
    assert len(differences) == 1
    assert differences[0].startswith("mail/5/box 5/m5.eml: content differs")

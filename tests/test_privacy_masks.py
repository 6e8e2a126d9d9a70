"""Customer-id masks are keyed: HMAC-SHA256 under a per-workspace secret (``data/.mask_key``,
0600, made on first use), 64 bits of it in the mask. The dictionary attack (hash the id space
without a key, match the fingerprints) re-identified 23 of 25 masks of a published report; it
must re-identify none now, while the same attack with the workspace's key finds them all (so it
is the key, kept outside ``outputs/``, that protects them)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from cxlab._errors import OptionError, WorkspaceError
from cxlab._masking import (
    KEY_ENV,
    key_path,
    mask_column,
    mask_id,
    mask_key,
    masking_in,
)
from cxlab._present import scrub_text
from cxlab.cli import app

SRC = Path(__file__).resolve().parents[1] / "src" / "cxlab"
# the id space of a workspace of 5,000 customers (the generator's ids: C0000000 ...): against the
# old masks, hashing it re-identified 23 of 25 masks of a published report
ID_SPACE = [f"C{n:07d}" for n in range(5_000)]


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def _old_mask(text: str) -> str:
    """The old mask: two characters and 16 bits of an unkeyed SHA-256."""
    return f"{text[:2]}***#{hashlib.sha256(text.encode()).hexdigest()[:4]}"


def _fingerprint(digest: bytes) -> str:
    return "".join(f"{b % 10}{chr(97 + b // 10)}" for b in digest[:8])


def _attack(masks: list[str], hash_id) -> int:
    """How many masks a lookup table of ``hash_id`` over the id space re-identifies."""
    table: dict[str, list[str]] = {}
    for candidate in ID_SPACE:
        table.setdefault(hash_id(candidate), []).append(candidate)
    return sum(1 for m in masks if len(table.get(m, [])) == 1)


def test_hashing_the_id_space_re_identifies_no_mask(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    customers = [f"C{n:07d}" for n in range(100, 5_000, 196)]  # 25, as in the published report
    with masking_in(ws):
        masks = [mask_id(c) for c in customers]
    key = key_path(ws).read_text().strip()

    # the control: the old scheme falls to the dictionary attack
    assert _attack([_old_mask(c) for c in customers], _old_mask) >= 20
    # every unkeyed hash of the id space, in the new format too, and guessed keys: nothing
    for guess in (
        lambda c: f"{c[:2]}***#{_fingerprint(hashlib.sha256(c.encode()).digest())}",
        lambda c: f"{c[:2]}***#{_fingerprint(hmac.new(b'', c.encode(), 'sha256').digest())}",
        lambda c: f"{c[:2]}***#{_fingerprint(hmac.new(b'cxlab', c.encode(), 'sha256').digest())}",
        _old_mask,
    ):
        assert _attack(masks, guess) == 0
    # with the key every mask is found: the key is what protects them
    secret = bytes.fromhex(key)

    def with_key(c: str) -> str:
        return f"{c[:2]}***#{_fingerprint(hmac.new(secret, c.encode(), 'sha256').digest())}"

    assert _attack(masks, with_key) == len(customers)


def test_key_made_on_first_use_private_and_stable(tmp_path: Path) -> None:
    ws, other = tmp_path / "ws", tmp_path / "other"
    (ws / "data").mkdir(parents=True), (other / "data").mkdir(parents=True)
    path = key_path(ws)
    assert path == ws / "data" / ".mask_key" and not path.exists()
    key = mask_key(ws)
    assert len(key) == 32  # 256 random bits
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", path.read_text())
    assert mask_key(ws) == key  # read back, not made again
    with masking_in(ws):
        first = mask_id("C0001234")
    assert mask_id("C0001234", key=key) == first
    # another process on the same workspace gives the same mask; another workspace another one
    code = "from cxlab._masking import mask_id; print(mask_id('C0001234'))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "CXLAB_WORKSPACE": str(ws)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == first
    with masking_in(other):
        assert mask_id("C0001234") != first
    assert not list((ws / "data").glob("*.tmp"))


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    """Reports run side by side (refresh --jobs N): the first uses race, one key wins."""
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    code = "from cxlab._masking import mask_key; print(mask_key().hex())"
    env = {**os.environ, "CXLAB_WORKSPACE": str(ws)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert keys == {key_path(ws).read_text().strip()}
    assert sorted(p.name for p in (ws / "data").iterdir()) == [".mask_key"]


def test_environment_key_wins_and_a_short_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    secret = "an organisation's shared mask secret"
    monkeypatch.setenv(KEY_ENV, secret)
    with masking_in(ws):
        masked = mask_id("C0001234")
    digest = hmac.new(secret.encode(), b"C0001234", "sha256").digest()
    assert masked == "C0***#" + _fingerprint(digest)
    assert not key_path(ws).exists()  # nothing written when the environment holds the key
    monkeypatch.setenv(KEY_ENV, "short-secret")
    with pytest.raises(OptionError) as err:
        mask_key(ws)
    assert KEY_ENV in str(err.value) and "16 characters" in str(err.value)
    assert "short-secret" not in str(err.value)


def test_damaged_key_is_refused_not_replaced(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    key_path(ws).write_text("not-a-key-1234\n")
    with pytest.raises(WorkspaceError) as err:
        mask_key(ws)
    message = str(err.value)
    assert str(key_path(ws)) in message and "64 hex digits" in message
    assert "not-a-key" not in message
    assert key_path(ws).read_text() == "not-a-key-1234\n"


def test_unwritable_or_missing_workspace_still_masks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only workspace masks with a key of this process (unlinkable, stable within it);
    a workspace that does not exist is not created, and a folder that is not a workspace (an
    ingest run from the home folder with -w elsewhere) gets no key file."""
    import cxlab._masking as masking

    missing, plain = tmp_path / "missing", tmp_path / "plain"
    plain.mkdir()
    for folder in (missing, plain):
        assert mask_key(folder) == mask_key(folder)
    assert not missing.exists() and not list(plain.iterdir())
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)

    def refuse(path: Path) -> bytes:
        raise PermissionError(13, "Read-only file system", str(path))

    monkeypatch.setattr(masking, "_create_key", refuse)
    with masking_in(ws):
        first = mask_id("C0001234")
        assert mask_id("C0001234") == first and first.startswith("C0***#")
    assert not key_path(ws).exists()


def test_masks_are_long_unique_and_read_as_neither_word_nor_number() -> None:
    key = b"k" * 32
    masks = [mask_id(f"C{n:07d}", key=key) for n in range(200_000)]
    assert len(set(masks)) == len(masks)
    fingerprints = [m.split("#")[1] for m in masks[:2000]]
    assert all(re.fullmatch(r"(?:[0-9][a-z]){8}", f) for f in fingerprints)
    assert all(scrub_text(m) == m for m in masks[:2000])  # never taken for a phone or card
    assert mask_id(None) is None
    assert mask_id("AB", key=key).startswith("***#")  # a short id shows none of its characters
    frame = mask_column(pl.DataFrame({"customer_id": ["C0001234", None]}), "customer_id", key=key)
    assert frame["customer_id"].to_list() == [mask_id("C0001234", key=key), None]


def test_masks_are_made_in_one_place() -> None:
    """Every mask in cxlab is made by cxlab._masking (the format appears nowhere else)."""
    for path in SRC.rglob("*.py"):
        if path.name != "_masking.py":
            assert "***#" not in path.read_text(encoding="utf-8"), path


def test_refusal_messages_mask_with_the_workspace_key(scratch_workspace: Path, tmp_path: Path):
    import cxlab as cx

    ws = scratch_workspace
    export = tmp_path / "customers.parquet"
    first = cx.load("customers", workspace=ws).head(1).collect()
    raw = first["customer_id"][0]
    pl.concat([first, first]).write_parquet(export)  # the same customer twice
    result = CliRunner().invoke(
        app,
        ["data", "ingest", str(export), "--table", "customers", "--workspace", str(ws)],
        env={"CXLAB_WORKSPACE": str(ws)},
    )
    message = result.stderr
    assert result.exit_code == 2, message
    assert "is unique" in message
    assert mask_id(raw, key=mask_key(ws)) in message
    assert raw not in message and _old_mask(raw) not in message


def test_key_made_where_hard_links_are_not_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)

    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted", str(dst))

    monkeypatch.setattr(os, "link", no_links)
    key = mask_key(ws)
    assert key_path(ws).read_text().strip() == key.hex()
    assert stat.S_IMODE(key_path(ws).stat().st_mode) == 0o600
    assert sorted(p.name for p in (ws / "data").iterdir()) == [".mask_key"]


def test_a_key_readable_by_others_is_made_private_again(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "data").mkdir(parents=True)
    key = mask_key(ws)
    os.chmod(key_path(ws), 0o644)  # as a restore from a backup may leave it
    assert mask_key(ws) == key
    assert stat.S_IMODE(key_path(ws).stat().st_mode) == 0o600

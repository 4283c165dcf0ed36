"""Output files are written whole or not at all (analysis.output)."""

from __future__ import annotations

import os

import pytest

from analysis.output import atomic_path, write_atomic


def test_write_atomic_replaces_the_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "sub" / "a.html"  # the folder is created
    write_atomic(target, "<p>神树镇</p>\n")
    write_atomic(target, "<p>汉阴县</p>\n")
    assert target.read_bytes() == "<p>汉阴县</p>\n".encode()
    assert [p.name for p in target.parent.iterdir()] == ["a.html"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_write_atomic_writes_bytes_as_given(tmp_path):
    write_atomic(tmp_path / "a.bin", b"\x00\r\n")
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\r\n"


def test_write_atomic_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.html"
    target.write_text("old", encoding="utf-8")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


def test_a_failed_writer_leaves_the_old_file_and_no_temporary_one(tmp_path):
    target = tmp_path / "t.parquet"
    target.write_bytes(b"old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise ValueError("writer failed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]


def test_the_temporary_file_takes_the_prefix_and_suffix_asked_for(tmp_path):
    with atomic_path(tmp_path / "shard.parquet", prefix=".tmp-", suffix=".parquet") as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-") and tmp.name.endswith(".parquet")
        tmp.write_bytes(b"x")
    assert (tmp_path / "shard.parquet").read_bytes() == b"x"

"""The on-disk cache: keys, entries, shards written atomically, bad files found and rebuilt.

Everything is written under tmp_path; the project's own cache and lexicon are never touched.
"""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis import cache, config
from analysis.cache import CacheWarning, TableStore

KEY = "k" * 64


def frame() -> pd.DataFrame:
    """Rows of three reports (b has none): the dtypes the stages produce."""
    return pd.DataFrame(
        {
            "doc_id": ["a", "a", "c"],
            "token": ["依法行政", "网格员", "枫桥经验"],
            "start": [0, 5, 12],
            "value": [50.0, float("nan"), 3.5],
            "year": pd.array([2024, None, 2025], dtype="Int64"),
            "is_main": [True, False, True],
        }
    )


def store_abc(tmp_path) -> TableStore:
    store = TableStore(tmp_path, "tokens", KEY)
    store.write(frame(), ["ea", "eb", "ec"], ["ea", "ea", "ec"])
    return store


def shard(store: TableStore):
    files = sorted(store.folder.glob("*.parquet"))
    assert len(files) == 1
    return files[0]


# ------------------------------------------------------------------ writing and reading


def test_roundtrip_keeps_rows_dtypes_and_order(tmp_path):
    store = store_abc(tmp_path)
    table, missing = store.read_frame(["ea", "eb", "ec"])
    assert missing == []
    pd.testing.assert_frame_equal(table, frame())


def test_rows_come_back_in_the_order_of_the_entries_asked_for(tmp_path):
    store = store_abc(tmp_path)
    table, missing = store.read_frame(["ec", "ea"])
    assert missing == []
    assert list(table["token"]) == ["枫桥经验", "依法行政", "网格员"]  # c first, a's rows in their own order


@pytest.mark.parametrize(
    ("asked", "tokens", "missing"),
    [
        (["eb"], [], []),  # held, with no rows
        (["ea", "ez"], ["依法行政", "网格员"], ["ez"]),  # ez was never written
        (["ez", "ey"], [], ["ez", "ey"]),
    ],
)
def test_entries_held_without_rows_are_not_missing(tmp_path, asked, tokens, missing):
    store = store_abc(tmp_path)
    table, not_read = store.read(asked)
    assert not_read == missing
    assert (table.column("token").to_pylist() if table.num_rows else []) == tokens


def test_entries_given_as_codes_read_back_as_entries_given_as_text(tmp_path):
    """The pipeline gives each row's entry as a code into its reports' entries (an Arrow dictionary array); one
    file written so and one written with text read together, in the order asked for, rows of some entries only."""
    store = TableStore(tmp_path, "tokens", KEY)
    store.write(frame(), ["ea", "eb", "ec"], pa.DictionaryArray.from_arrays(pa.array([0, 0, 1], type=pa.int32()), pa.array(["ea", "ec"])))
    more = pd.DataFrame(
        {
            "doc_id": ["d"],
            "token": ["法律明白人"],
            "start": [3],
            "value": [1.0],
            "year": pd.array([2023], dtype="Int64"),
            "is_main": [False],
        }
    )
    store.write(more, ["ed"], ["ed"])
    table, missing = store.read_frame(["ed", "ea", "eb", "ec"])
    assert missing == []
    pd.testing.assert_frame_equal(table, pd.concat([more, frame()], ignore_index=True))
    table, _ = store.read(["ec", "ed"])
    assert table.column("token").to_pylist() == ["枫桥经验", "法律明白人"] and "_entry" not in table.column_names
    # codes into values that repeat an entry: counted by entry, so the file is read back, not taken for corrupt
    again = TableStore(tmp_path, "terms", KEY)
    again.write(
        frame(), ["ea", "eb", "ec"], pa.DictionaryArray.from_arrays(pa.array([0, 2, 1], type=pa.int32()), pa.array(["ea", "ec", "ea"]))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        table, missing = again.read_frame(["ea", "eb", "ec"])
    assert missing == [] and table["token"].tolist() == ["依法行政", "网格员", "枫桥经验"]


def test_index_lists_every_entry_a_file_holds(tmp_path):
    store = store_abc(tmp_path)
    assert sorted(store.index()) == ["ea", "eb", "ec"]


def test_reading_some_columns(tmp_path):
    store = store_abc(tmp_path)
    table, _ = store.read(["ea", "ec"], columns=["token"])
    assert table.column_names == ["token"]
    assert table.num_rows == 3


def test_a_row_of_a_report_outside_the_group_is_refused(tmp_path):
    store = TableStore(tmp_path, "tokens", KEY)
    with pytest.raises(cache.CacheError, match="belongs to no report"):
        store.write(frame(), ["ea"], ["ea", "ea", "ec"])


def test_writes_leave_no_temporary_file(tmp_path):
    store = store_abc(tmp_path)
    assert [p.name for p in store.folder.iterdir() if p.name.startswith(".")] == []


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(table, where, **kwargs):
        with open(where, "wb") as stream:
            stream.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(cache.pq, "write_table", broken)
    store = TableStore(tmp_path, "tokens", KEY)
    with pytest.raises(OSError, match="disk full"):
        store.write(frame(), ["ea", "eb", "ec"], ["ea", "ea", "ec"])
    assert list(store.folder.iterdir()) == []


def test_a_stray_temporary_file_is_ignored(tmp_path):
    store = store_abc(tmp_path)
    (store.folder / ".tmp-123-abc.parquet").write_bytes(b"PAR1 half a file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        table, missing = store.read(["ea", "eb", "ec"])
    assert missing == [] and table.num_rows == 3


def test_a_file_read_ahead_is_not_read_again_and_reads_back_the_same(tmp_path, monkeypatch):
    store = store_abc(tmp_path)
    first = shard(store)
    other = store.write(frame().iloc[[2]].assign(doc_id="d"), ["ed"], ["ed"])  # a second file, not read ahead
    store.read_ahead(first)
    read_now = []
    real = cache._read_parquet
    monkeypatch.setattr(cache, "_read_parquet", lambda where, **kw: read_now.append(str(where)) or real(where, **kw))
    table, missing = store.read_frame(["ea", "eb", "ec"])
    assert missing == [] and read_now == []  # the rows came from the read ahead
    pd.testing.assert_frame_equal(table, frame())
    assert store.read(["ea"], columns=["token"])[0].column("token").to_pylist() == ["依法行政", "网格员"]
    assert read_now == [str(first)]  # taken once: a later read reads the file
    assert store.read(["ed"])[0].column("doc_id").to_pylist() == ["d"]
    assert read_now == [str(first), str(other)]
    store.read_ahead(first)
    done = len(read_now)  # the read ahead itself
    assert store.read(["ea"], columns=["token"])[0].column("token").to_pylist() == ["依法行政", "网格员"]  # some columns of it
    assert len(read_now) == done


def shard_of(store: TableStore, entry: str):
    return store.index()[entry]


def test_a_file_rewritten_after_its_read_ahead_is_read_anew(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    store.read_ahead(path)
    changed = frame().assign(token=["依法治村", "网格员", "枫桥经验"])
    assert store.write(changed, ["ea", "eb", "ec"], ["ea", "ea", "ec"]) == path  # the same entries: the same file name
    assert store.read_frame(["ea"])[0]["token"].tolist() == ["依法治村", "网格员"]


def test_a_bad_file_read_ahead_is_left_for_the_read_to_report(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    path.write_bytes(path.read_bytes()[:-40])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        store.read_ahead(path)  # no warning, nothing deleted
        store.read_ahead(tmp_path / "gone.parquet")
    assert path.exists()
    _expect_rebuilt(store, path)


def test_what_was_read_ahead_and_never_asked_for_can_be_let_go(tmp_path):
    store = store_abc(tmp_path)
    store.read_ahead(shard(store))
    assert cache._READ_AHEAD
    cache.forget_read_ahead()
    assert not cache._READ_AHEAD


# ------------------------------------------------------------------ bad files


def _expect_rebuilt(store: TableStore, path, entries=("ea", "eb", "ec")):
    with pytest.warns(CacheWarning, match=str(path).replace(".", r"\.")) as caught:
        table, missing = store.read(list(entries))
    assert missing == list(entries)
    assert table.num_rows == 0
    assert not path.exists()
    assert "processed again" in str(caught[0].message)


def test_a_truncated_file_is_named_deleted_and_its_reports_missing(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    path.write_bytes(path.read_bytes()[:-40])
    _expect_rebuilt(store, path)


def test_a_file_that_is_not_parquet_is_rebuilt(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    path.write_bytes("不是 parquet".encode())
    _expect_rebuilt(store, path)


def test_damaged_data_pages_are_caught(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    data = bytearray(path.read_bytes())
    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(0).column(1)  # the token column's first data page
    start = column.data_page_offset + 20
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    path.write_bytes(bytes(data))
    _expect_rebuilt(store, path)


def test_a_file_written_under_another_key_is_never_used(tmp_path):
    other = TableStore(tmp_path, "tokens", "o" * 64)
    other.write(frame(), ["ea", "eb", "ec"], ["ea", "ea", "ec"])
    store = TableStore(tmp_path, "tokens", KEY)
    store.folder.mkdir(parents=True)
    moved = store.folder / shard(other).name
    shutil.copy(shard(other), moved)
    with pytest.warns(CacheWarning, match="another key"):
        table, missing = store.read(["ea", "eb", "ec"])
    assert missing == ["ea", "eb", "ec"] and not moved.exists()


def test_a_file_whose_rows_disagree_with_its_footer_is_rebuilt(tmp_path):
    store = store_abc(tmp_path)
    path = shard(store)
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 2), path)  # keeps the footer's counts {ea: 2, eb: 0, ec: 1}
    _expect_rebuilt(store, path)


# ------------------------------------------------------------------ keys


@pytest.fixture()
def lexicon_copy(tmp_path, monkeypatch):
    """A copy of data/lexicon the keys are computed from."""
    folder = tmp_path / "lexicon"
    shutil.copytree(config.LEXICON_DIR, folder)
    monkeypatch.setattr(config, "LEXICON_DIR", folder)
    return folder


@pytest.mark.parametrize(
    ("edited", "changes", "stays"),
    [
        ("terms.txt", ["tokens"], ["sections", "themes"]),
        ("themes.yml", ["themes"], ["sections", "tokens"]),
        ("sections.yml", ["sections", "tokens", "themes"], []),
    ],
)
def test_editing_a_lexicon_file_changes_the_keys_of_the_tables_that_read_it(lexicon_copy, edited, changes, stays):
    reads = {"sections": ("sections.yml",), "tokens": ("sections.yml", "terms.txt", "units.txt"), "themes": ("sections.yml", "themes.yml")}
    before = {name: cache.table_key(name, lexicon=files) for name, files in reads.items()}
    with open(lexicon_copy / edited, "a", encoding="utf-8") as stream:
        stream.write("\n# 一行注释也算修改\n")
    after = {name: cache.table_key(name, lexicon=files) for name, files in reads.items()}
    assert [n for n in reads if before[n] != after[n]] == changes
    assert [n for n in reads if before[n] == after[n]] == stays


def test_a_table_reading_every_lexicon_file_changes_with_any_of_them(lexicon_copy):
    before = cache.table_key("all", lexicon=None)
    (lexicon_copy / "new_list.txt").write_text("新词\n", encoding="utf-8")
    assert cache.table_key("all", lexicon=None) != before


def test_keys_change_with_the_version_and_the_code(monkeypatch):
    before = cache.table_key("tokens", lexicon=("terms.txt",))
    monkeypatch.setattr(cache, "__version__", "99.0")
    after_version = cache.table_key("tokens", lexicon=("terms.txt",))
    monkeypatch.setattr(cache, "code_hash", lambda: "edited")
    after_code = cache.table_key("tokens", lexicon=("terms.txt",))
    assert len({before, after_version, after_code}) == 3


def test_keys_are_stable_and_differ_by_table_and_options():
    assert cache.table_key("tokens", lexicon=()) == cache.table_key("tokens", lexicon=())
    assert cache.table_key("tokens", lexicon=()) != cache.table_key("sections", lexicon=())
    assert cache.table_key("tokens", lexicon=(), options={"pos": True}) != cache.table_key("tokens", lexicon=())


def test_entries_follow_the_file_and_the_identity_of_the_report():
    reports = pd.DataFrame(
        {
            "doc_id": ["a", "a", "b", "a"],
            "sha256": ["s1", "s2", "s1", "s1"],
            "town": ["神树镇", "神树镇", "神树镇", "神树镇"],
            "level": ["镇"] * 4,
            "county": [None, None, None, float("nan")],
            "year": pd.array([2025, 2025, 2025, 2025], dtype="Int64"),
            "title": ["t"] * 4,
        }
    )
    a, edited, renamed, same = cache.entry_keys(reports)
    assert len({a, edited, renamed}) == 3  # another file content, another name
    assert a == same  # None and NaN are the same missing county


# ------------------------------------------------------------------ the whole cache


def test_info_prune_and_clear(tmp_path):
    store_abc(tmp_path)
    TableStore(tmp_path, "tokens", "o" * 64).write(frame(), ["ea", "eb", "ec"], ["ea", "ea", "ec"])
    table = cache.info(tmp_path, current={"tokens": KEY})
    assert list(table.columns) == cache.INFO_COLUMNS
    assert table.sort_values("key")[["table", "current", "files", "entries", "rows"]].values.tolist() == [
        ["tokens", True, 1, 3, 3],
        ["tokens", False, 1, 3, 3],
    ]
    assert cache.prune({"tokens": KEY}, tmp_path) > 0
    assert cache.info(tmp_path, current={"tokens": KEY})["current"].tolist() == [True]
    assert cache.clear(tmp_path) > 0
    assert not tmp_path.exists()
    assert cache.info(tmp_path).empty


def test_cli_info_and_clear(tmp_path, capsys):
    from analysis.cli import main

    store_abc(tmp_path)
    assert main(["cache", "info", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ",".join(cache.INFO_COLUMNS)
    assert out[1].startswith("tokens,kkkk") and out[1].endswith(",False,1,3,3," + str(shard(store_abc(tmp_path)).stat().st_size))
    assert main(["cache", "clear", "--cache-dir", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "cleared" in captured.err
    assert not tmp_path.exists()

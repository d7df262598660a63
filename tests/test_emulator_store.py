"""The sandbox emulators' store: what all() returns stays true to the database while it is cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from marac_core.sandbox.store import EmulatorStore


def ids(store: EmulatorStore, collection: str) -> list[str]:
    return [d["id"] for d in store.all(collection)]


def test_own_writes_keep_a_cached_collection_true(tmp_path: Path) -> None:
    store = EmulatorStore(tmp_path / "s.sqlite")
    store.insert("Flag", {"text": "one"}, id="a")
    assert ids(store, "Flag") == ["a"]  # now cached
    store.insert("Flag", {"text": "two"}, id="b")
    store.put("Flag", {"id": "a", "text": "changed"})
    assert [(d["id"], d["text"]) for d in store.all("Flag")] == [("a", "changed"), ("b", "two")]
    store.delete("Flag", "a")
    assert ids(store, "Flag") == ["b"]
    fresh = EmulatorStore(tmp_path / "s.sqlite")
    assert fresh.all("Flag") == store.all("Flag")


def test_a_write_to_one_collection_leaves_another_collection_s_version_alone(tmp_path: Path) -> None:
    store = EmulatorStore(tmp_path / "s.sqlite")
    store.insert("Patient", {"name": "x"}, id="p")
    patients = store.version("Patient")
    store.insert("Flag", {"text": "one"}, id="f")
    assert store.version("Patient") == patients
    store.insert("Patient", {"name": "y"}, id="q")
    assert store.version("Patient") != patients


def test_a_rolled_back_transaction_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    store = EmulatorStore(tmp_path / "s.sqlite")
    store.insert("Flag", {"text": "one"}, id="a")
    assert ids(store, "Flag") == ["a"]
    before = store.version("Flag")
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("Flag", {"text": "two"}, id="b")
        raise RuntimeError("refused")
    assert ids(store, "Flag") == ["a"]
    assert store.version("Flag") != before  # an index built inside the transaction is not kept


def test_another_connection_s_commit_is_seen(tmp_path: Path) -> None:
    store = EmulatorStore(tmp_path / "s.sqlite")
    other = EmulatorStore(tmp_path / "s.sqlite")
    store.insert("Flag", {"text": "one"}, id="a")
    assert ids(store, "Flag") == ["a"]
    other.insert("Flag", {"text": "two"}, id="b")
    assert ids(store, "Flag") == ["a", "b"]

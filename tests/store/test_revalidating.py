"""Stale-while-revalidate reads: answered at once, read again behind, never older than max_age."""

from __future__ import annotations

import threading

import pytest

from serving.store.revalidating import Revalidating


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Source:
    """A value that changes when told; counts reads and names the thread of each. A read
    waits while `gate` is closed, so a test can hold a background read under way."""

    def __init__(self) -> None:
        self.value, self.reads, self.threads = "v1", 0, set()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, key: str) -> str:
        self.reads += 1
        self.threads.add(threading.current_thread().name)
        self.gate.wait()
        return f"{key}:{self.value}"


@pytest.fixture
def parts():
    clock, source = Clock(), Source()
    return clock, source, Revalidating(source, fresh_for=2.0, max_age=5.0, clock=clock)


def test_first_use_reads_in_the_caller_then_answers_from_memory(parts):
    clock, source, cache = parts
    assert cache.peek("a") == (False, None)
    assert cache.get("a") == "a:v1" and source.threads == {threading.current_thread().name}
    source.value = "v2"
    clock.now += 2.0  # still fresh: no read at all
    assert cache.peek("a") == (True, "a:v1") and source.reads == 1


def test_a_stale_value_is_answered_while_one_background_read_replaces_it(parts):
    clock, source, cache = parts
    cache.get("a")
    source.value = "v2"
    clock.now += 3.0
    source.gate.clear()  # the background read stays under way until the gate opens
    assert cache.peek("a") == (True, "a:v1")  # answered at once, old
    assert cache.peek("a") == (True, "a:v1")  # a read is already under way: no second one
    source.gate.set()
    cache.settle()
    assert source.reads == 2 and any(t.startswith("revalidate") for t in source.threads)
    assert cache.peek("a") == (True, "a:v2")


def test_nothing_older_than_max_age_is_answered(parts):
    clock, source, cache = parts
    cache.get("a")
    source.value = "v2"
    clock.now += 5.5  # nobody asked in between
    assert cache.peek("a") == (False, None)
    assert cache.get("a") == "a:v2" and source.reads == 2


def test_steady_use_keeps_the_value_within_max_age_without_waiting(parts):
    clock, source, cache = parts
    cache.get("a")
    for step in range(20):  # one request every 1.5 s for 30 s
        clock.now += 1.5
        source.value = f"v{step}"
        found, _ = cache.peek("a")
        assert found, "a request waited for a read"
        cache.settle()
    assert cache.peek("a") == (True, "a:v19")


def test_a_failed_background_read_leaves_the_old_value_until_max_age(parts):
    clock, _, cache = parts
    cache.get("a")

    def down(key: str) -> str:
        raise ConnectionError("database away")

    cache.read = down
    clock.now += 3.0
    assert cache.peek("a") == (True, "a:v1")
    cache.settle()
    clock.now += 2.5  # 5.5 s since the last good read
    assert cache.peek("a") == (False, None)
    with pytest.raises(ConnectionError):
        cache.get("a")


def test_settings_must_leave_room_for_a_background_read():
    with pytest.raises(ValueError, match="fresh_for"):
        Revalidating(str, fresh_for=5.0, max_age=5.0)

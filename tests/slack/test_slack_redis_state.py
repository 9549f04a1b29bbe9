"""The memories shared between processes on a real Redis (slack/redis_state.py): SET NX EX,
TTLs covering Slack's retries, renewed threads, and answering anyway when Redis is down."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import redis

from openai_deals.slack import conversations, dedup, threads
from openai_deals.slack.conversations import question_key
from openai_deals.slack.dedup import message_key
from openai_deals.slack.redis_state import (
    KEY_PREFIX,
    RedisAssistantThreads,
    RedisQuestions,
    RedisSeenKeys,
    RedisThreads,
    SharedState,
    redis_client,
    safe_url,
    shared_state,
    warn_if_not_shared,
)


@pytest.fixture
def client(redis_server) -> redis.Redis:
    redis_server.flush()
    return redis_client(redis_server.url)


def test_a_key_is_new_only_once_across_clients(client, redis_server):
    """The first SET NX wins; a second client (another process) sees the key as seen."""
    first = RedisSeenKeys(client)
    other = RedisSeenKeys(redis_client(redis_server.url))
    key = message_key("C1", "1.0")
    assert first.seen_before(key) is False
    assert other.seen_before(key) is True
    assert first.seen_before(key) is True
    assert other.seen_before(message_key("C1", "2.0")) is False


def test_a_forgotten_key_is_new_again_for_every_process(client, redis_server):
    """A request refused as busy by one worker is forgotten on Redis: sent again, to the same
    worker or another, it is handled."""
    first = RedisSeenKeys(client)
    other = RedisSeenKeys(redis_client(redis_server.url))
    first.seen_before("interaction:1")
    first.seen_before("interaction:2")
    first.forget("interaction:1")
    assert other.seen_before("interaction:1") is False
    assert other.seen_before("interaction:2") is True


def test_of_racing_callers_exactly_one_sees_the_key_as_new(client):
    """Atomic: 20 threads with 20 connections racing on one key, one gets False."""
    seen = RedisSeenKeys(client)
    results: list[bool] = []
    barrier = threading.Barrier(20)

    def race() -> None:
        barrier.wait()
        results.append(seen.seen_before(message_key("C1", "9.0")))

    workers = [threading.Thread(target=race) for _ in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False] + [True] * 19


def test_the_key_expires_after_the_retry_window(client):
    """The key carries dedup's TTL (10 minutes, past Slack's last retry at 5 minutes)."""
    RedisSeenKeys(client).seen_before(message_key("C1", "3.0"))
    ttl = client.ttl(KEY_PREFIX + "message:C1:3.0")
    assert dedup.TTL_SECONDS - 5 <= ttl <= dedup.TTL_SECONDS
    assert ttl > 5 * 60


def test_an_expired_key_is_new_again(client):
    """After its TTL the message is forgotten (a one-second window here)."""
    seen = RedisSeenKeys(client, ttl_seconds=1)
    key = message_key("C1", "4.0")
    assert seen.seen_before(key) is False
    client.pexpire(KEY_PREFIX + key, 1)  # let it lapse now instead of waiting a second
    deadline = time.monotonic() + 2
    while client.exists(KEY_PREFIX + key):
        assert time.monotonic() < deadline, "the key never expired"
        time.sleep(0.01)
    assert seen.seen_before(key) is False


def test_threads_are_remembered_for_a_week_and_renewed_by_each_answer(client, redis_server):
    """remember sets a 7-day TTL; a later answer renews it; another process sees the thread."""
    known = RedisThreads(client)
    other = RedisThreads(redis_client(redis_server.url))
    assert other.took_part("C1", "5.0") is False
    known.remember("C1", "5.0")
    assert other.took_part("C1", "5.0") is True
    assert other.took_part("C1", "6.0") is False
    name = KEY_PREFIX + threads.thread_key("C1", "5.0")
    assert threads.TTL_SECONDS - 5 <= client.ttl(name) <= threads.TTL_SECONDS
    client.expire(name, 30)  # as if the week were nearly over
    known.remember("C1", "5.0")
    assert client.ttl(name) > threads.TTL_SECONDS - 5


def test_assistant_threads_are_a_memory_of_their_own(client):
    """An assistant thread and a thread answered in, same channel and ts, are two keys."""
    shared = SharedState(
        RedisSeenKeys(client), RedisThreads(client), RedisQuestions(client),
        RedisAssistantThreads(client),
    )  # fmt: skip
    shared.assistant_threads.remember("D1", "9.0")
    assert shared.assistant_threads.took_part("D1", "9.0")
    assert not shared.threads.took_part("D1", "9.0")
    assert client.exists(KEY_PREFIX + threads.thread_key("D1", "9.0", "assistant"))


def test_a_conversation_s_last_question_is_shared_and_kept_a_week(client, redis_server):
    """Another process reads the last question (accents intact), the newest wins, and it
    expires with the conversation's week."""
    asked = RedisQuestions(client)
    other = RedisQuestions(redis_client(redis_server.url))
    assert other.last_question("C1", "8.0") is None
    asked.remember_question("C1", "8.0", "Combien Microsoft a-t-il investi dans OpenAI ?")
    asked.remember_question("C1", "8.0", "Combien Google a-t-il investi dans Anthropic ?")
    assert other.last_question("C1", "8.0") == "Combien Google a-t-il investi dans Anthropic ?"
    assert other.last_question("C2", "8.0") is None
    name = KEY_PREFIX + question_key("C1", "8.0")
    assert conversations.TTL_SECONDS - 5 <= client.ttl(name) <= conversations.TTL_SECONDS


def test_redis_down_means_answer_and_log_without_the_password(tmp_path, caplog):
    """Nothing listens: seen_before says "not seen" (answer), took_part says no, remember is
    skipped; one warning names the server without its password."""
    caplog.set_level(logging.WARNING, logger="openai_deals.slack.redis_state")
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    shared = shared_state(f"redis://:hunter2@127.0.0.1:{port}/0")
    seen, known, questions = shared.seen, shared.threads, shared.questions
    for _ in range(5):
        assert seen.seen_before(message_key("C1", "7.0")) is False
    assert known.took_part("C1", "7.0") is False
    known.remember("C1", "7.0")
    questions.remember_question("C1", "7.0", "Combien ?")
    assert questions.last_question("C1", "7.0") is None
    warnings = [r.getMessage() for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1, warnings  # rate-limited: one a minute
    assert f"redis://127.0.0.1:{port}/0" in warnings[0]
    assert "answering as if new" in warnings[0]
    assert "hunter2" not in caplog.text


def test_safe_url_drops_the_password_only():
    assert safe_url("redis://:pw@host:6380/2") == "redis://host:6380/2"
    assert safe_url("rediss://user:pw@host/0") == "rediss://host/0"
    assert safe_url("redis://host:6379/0") == "redis://host:6379/0"


def test_several_workers_without_redis_warn_naming_the_setting(caplog, monkeypatch):
    """Two workers without REDIS_URL: one warning naming REDIS_URL; one worker or Redis: none."""
    import openai_deals.slack.redis_state as redis_state

    monkeypatch.setattr(redis_state, "_warned_not_shared", False)
    caplog.set_level(logging.WARNING, logger="openai_deals.slack.redis_state")
    assert warn_if_not_shared(1, None, "test") is False
    assert warn_if_not_shared(2, "redis://127.0.0.1:6379/0", "test") is False
    assert warn_if_not_shared(2, None, "gunicorn --workers") is True
    assert "REDIS_URL" in caplog.text and "2 worker processes" in caplog.text

"""`openai-deals report` (openai_deals/report.py) over a real outcome store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from openai_deals.cli import main
from openai_deals.database import database_engine
from openai_deals.outcomes import Asker, OutcomeStore, new_id

CITED = "002-microsoft-openai-google-anthropic#4"


@pytest.fixture
def database(tmp_path, monkeypatch, index_dir):
    url = f"sqlite:///{tmp_path / 'outcomes.sqlite3'}"
    for name, value in {
        "DATABASE_URL": url,
        "PSEUDONYM_KEY": "test-key",
        "INDEX_DIR": str(index_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "no-config"),
    }.items():
        monkeypatch.setenv(name, value)
    store = OutcomeStore(database_engine(url), b"test-key")
    asker = Asker("T1", None, "U1", "mention")
    store.record_question(new_id(), asker, "Combien Nvidia a-t-il investi ?", "not_found", [])
    store.record_question(new_id(), asker, "Quand Nvidia a-t-il été fondé ?", "not_found", [])
    answered = new_id()
    store.record_question(answered, asker, "Combien Google a-t-il investi ?", "answered", [CITED])
    down = store.record_vote(
        outcome_id=answered, asker=asker, vote="down", question="Combien Google a-t-il investi ?",
        sentence_ids=[CITED],
    )  # fmt: skip
    store.record_reason(
        down, reason="outdated", comment="Trop ancien", outcome_id=answered, asker=asker,
        question="Combien Google a-t-il investi ?", sentence_ids=[CITED],
    )  # fmt: skip
    # A row past the period is left out.
    old = OutcomeStore(
        database_engine(url),
        b"test-key",
        clock=lambda: datetime.now(timezone.utc) - timedelta(days=30),
    )
    old.record_question(new_id(), asker, "Vieille question sur Meta ?", "not_found", [])
    return store


def test_report_text(database, capsys):
    """Volume, abstention rate, unanswered questions grouped by a shared term, the 👎 with its
    reason, comment and cited sentence."""
    assert main(["report", "--since", "7d"]) == 0
    out = capsys.readouterr().out
    assert "Questions : 3 (mention 3)" in out
    assert "Sans réponse : 2 (67 %)" in out
    assert "nvidi — 2 question(s)" in out
    assert "Vieille question" not in out
    assert "raison : Source dépassée" in out and "commentaire : Trop ancien" in out
    assert f"[{CITED}] En échange de cet investissement de 300 millions de dollars" in out


def test_report_json(database, capsys):
    assert main(["report", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["questions"], data["abstained"], data["votes_down"]) == (3, 2, 1)
    assert data["unanswered"][0]["term"] == "nvidi"  # the analyzer's stem
    (vote,) = data["down_votes"]
    assert vote["reason"] == "outdated" and vote["sentences"][0]["id"] == CITED


def test_report_since_must_be_a_duration(database, capsys):
    assert main(["report", "--since", "hier"]) == 2
    assert "--since attend une durée" in capsys.readouterr().err


def test_pseudonyms_are_keyed_hashes_and_purge_is_per_workspace(database):
    rows = database.outcomes_since(datetime.now(timezone.utc) - timedelta(days=1))
    assert {r["user_hash"] for r in rows} == {database.pseudonym("U1")} != {"U1"}
    assert OutcomeStore(database.engine, b"other").pseudonym("U1") != database.pseudonym("U1")
    assert database.purge_workspace(None, "T-other") == 0
    assert database.purge_workspace(None, "T1") == 5

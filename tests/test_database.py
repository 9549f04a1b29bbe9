"""The SQL database of the Slack app's records (openai_deals/database.py)."""

from __future__ import annotations

import sqlalchemy

from openai_deals.database import database_engine
from openai_deals.settings import load_settings


def test_sqlite_file_folder_is_created_and_the_engine_is_shared(tmp_path):
    url = f"sqlite:///{tmp_path / 'new' / 'deep' / 'records.sqlite3'}"
    engine = database_engine(url)
    assert database_engine(url) is engine
    with engine.begin() as connection:
        assert connection.execute(sqlalchemy.text("select 1")).scalar() == 1
    assert (tmp_path / "new" / "deep" / "records.sqlite3").is_file()


def test_default_database_is_a_sqlite_file_and_database_url_wins(tmp_path):
    assert load_settings(_env_file=None).resolved_database_url.startswith("sqlite:///")
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert load_settings(_env_file=None, database_url=url).resolved_database_url == url

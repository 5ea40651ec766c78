"""Refreshes on stores of their own: without predictions, and a daily incremental refresh.

Apart from test_refresh.py, whose tests share one published store in order, so the two workers
can run them side by side."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from conftest import REPO_ROOT, write_raw_store
from test_refresh import NEW_ORDER, refresh, store_with


def test_refresh_without_predictions_publishes_the_other_marts(tmp_path: Path) -> None:
    result = refresh(tmp_path, store_with(tmp_path, "no_clv"), "clv_predictions_enabled=false")
    assert result.returncode == 0, result.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        served = {row[0] for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    assert "fct_customer_predictions" not in served and "mart_cohort_ltv_forecast" not in served
    assert {"dim_people", "fct_audience_membership", "mart_cohort_ltv"} <= served


def test_refresh_after_a_new_day_stages_only_its_rows(tmp_path: Path) -> None:
    raw = store_with(tmp_path, "daily")
    first = refresh(tmp_path, raw)
    assert first.returncode == 0, first.stderr[-3000:]
    # The next day lands beside the first files: a new customer's order, a page view of b1 that
    # happened a week before it was loaded, and oB1 delivered again.
    day = tmp_path / "day_2"
    day.mkdir()
    (day / "orders.csv").write_text(
        "order_id,customer_id,email,ordered_at,currency,amount,status,loaded_at,_file\n"
        + NEW_ORDER.replace("\n", ",day-2.parquet\n")
        + "oB1,cB,,2025-02-03 10:05:00,USD,100.00,completed,2025-03-30 12:00:00,day-2.parquet\n")
    (day / "events.csv").write_text(
        "event_id,event_type,anonymous_id,customer_id,email,occurred_at,loaded_at,utm_source,utm_medium,"
        "utm_campaign,page_path,referrer,_file\n"
        "b99,page_view,b1,,,2025-03-23 10:00:00,2025-03-30 09:00:00,,,,/about,,day-2.parquet\n")
    write_raw_store(day, raw)
    second = refresh(tmp_path, raw)
    assert second.returncode == 0, second.stderr[-3000:]
    runs = [json.loads(line) for line in (tmp_path / "logs" / "refresh_runs.jsonl").read_text().splitlines()]
    assert [run["status"] for run in runs] == ["published", "published"]
    assert runs[1]["full_refresh"] is False
    assert runs[1]["rows_staged"] == {"stg_web__events": 1, "stg_shop__orders": 1}
    assert runs[1]["rows_read"]["orders"] == runs[0]["rows_read"]["orders"] + 2
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*), sum(valid_order_count) from marts.dim_people").fetchall() == [(9, 9)]
        assert connection.execute("select count(*) from refresh_runs").fetchall() == [(2,)]


def test_make_run_builds_an_own_store_as_it_is(tmp_path: Path) -> None:
    """`make run RAW_DIR=<own>`: the demo generator is not run over a folder of the user's files."""
    own = tmp_path / "own"
    (own / "events").mkdir(parents=True)
    (own / "events" / "events.parquet").write_bytes(b"the user's file")
    result = subprocess.run(["make", "--no-print-directory", "-o", ".venv/bin/.installed", "demo-data", f"RAW_DIR={own}",
                             "ORDER_SOURCE=shopify"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "building it as your own store" in result.stdout
    assert sorted(p.relative_to(own).as_posix() for p in own.rglob("*")) == ["events", "events/events.parquet"]
    assert (own / "events" / "events.parquet").read_bytes() == b"the user's file"

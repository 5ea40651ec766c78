"""The scripts: the demo-store generator and the build wrapper's error messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES, REPO_ROOT, contract_types, write_raw_store

SCRIPTS = REPO_ROOT / "scripts"


def generate(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / "generate_data.py"), "--out", str(out), *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "raw"
    result = generate(out, "--visitors", "3000", "--seed", "7")
    assert result.returncode == 0, result.stderr
    return out


def read_source(raw: Path, source: str):
    return duckdb.sql(f"select * from read_parquet('{raw}/{source}/**/*.parquet', hive_partitioning = true)")


GENERATED_SOURCES = ("events", "orders", "refunds", "ad_spend")  # erasure_requests is optional


def test_generator_writes_the_contract(demo_store: Path) -> None:
    for source, columns in contract_types().items():
        if source not in GENERATED_SOURCES:
            continue
        present = set(read_source(demo_store, source).columns)
        assert set(columns) <= present, f"{source} lacks {set(columns) - present}"
    assert (demo_store / "_COMPLETE").exists()


def test_generator_is_deterministic(demo_store: Path, tmp_path: Path) -> None:
    again = tmp_path / "raw"
    assert generate(again, "--visitors", "3000", "--seed", "7").returncode == 0
    for source in contract_types():
        first = sorted(str(p.relative_to(demo_store)) for p in demo_store.glob(f"{source}/**/*.parquet"))
        second = sorted(str(p.relative_to(again)) for p in again.glob(f"{source}/**/*.parquet"))
        assert first == second
        for name in first:
            assert pq.read_table(demo_store / name).equals(pq.read_table(again / name)), name


def test_generator_makes_the_mess_real_stores_have(demo_store: Path) -> None:
    events = read_source(demo_store, "events")
    orders = read_source(demo_store, "orders")
    assert duckdb.sql("select count(*) - count(distinct event_id) from events").fetchall()[0][0] > 0
    assert duckdb.sql("select count(*) from events where loaded_at > occurred_at + interval 1 day"
                      ).fetchall()[0][0] > 0
    assert {r[0] for r in duckdb.sql("select distinct currency from orders").fetchall()} == {"USD", "EUR", "GBP"}
    assert {r[0] for r in duckdb.sql("select distinct status from orders").fetchall()} == {"completed", "cancelled"}
    types = {r[0] for r in duckdb.sql("select distinct event_type from events").fetchall()}
    assert types == {"page_view", "email_signup", "email_unsubscribe", "identify", "add_to_cart",
                     "checkout_started"}


def test_generator_refuses_to_overwrite(demo_store: Path) -> None:
    result = generate(demo_store)
    assert result.returncode == 2
    assert "pass --overwrite" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_names_currency_and_month_without_fx_rate(tmp_path: Path) -> None:
    raw = write_raw_store(FIXTURES / "levels_store", tmp_path / "raw")
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(tmp_path / "w.duckdb"), "DBT_TARGET_PATH": str(tmp_path / "t"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / "build.py"), "--raw-dir", str(raw), "--var", "reporting_currency=GBP"],
        capture_output=True, text=True, env=env, check=False)
    assert result.returncode != 0
    # No seed row converts to GBP. The fixture has one EUR order in Feb 2025 (o3) and three USD
    # orders in Mar 2025 (o4a, o5b, o8b).
    assert "currency=EUR, month=2025-02-01, reporting_currency=GBP, found_in=orders, rows_without_rate=1" in result.stderr
    assert "currency=USD, month=2025-03-01, reporting_currency=GBP, found_in=orders, rows_without_rate=3" in result.stderr

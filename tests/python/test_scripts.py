"""The scripts: the demo-store generator and the build wrapper's error messages."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import FIXTURES, REPO_ROOT, contract_types, write_raw_store

CANONICAL_TWIN = ".canonical"  # scripts/generate_data.py: a tool store's contract twin

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
    return duckdb.sql(f"select * from read_parquet('{raw}/{source}/**/*.parquet', hive_partitioning = false)")


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
    # and the seeds/fx_rates.csv row to add (month,currency,reporting_currency,rate)
    assert "rows_without_rate=1, seed_row_to_add=2025-02-01,EUR,GBP,<rate>" in result.stderr


def test_generator_appends_the_next_day(demo_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "raw"
    shutil.copytree(demo_store, store)
    last_loaded = duckdb.sql(
        f"select max(loaded_at)::date from read_parquet('{store}/events/**/*.parquet', hive_partitioning = false)"
    ).fetchall()[0][0]
    assert generate(store, "--append-day").returncode == 0
    day = last_loaded + dt.timedelta(days=1)
    new_files = sorted(str(p.relative_to(store)) for p in store.rglob(f"day-{day:%Y%m%d}.parquet"))
    assert new_files == [f"ad_spend/day-{day:%Y%m%d}.parquet", f"events/load_month={day:%Y-%m}/day-{day:%Y%m%d}.parquet",
                         f"orders/load_month={day:%Y-%m}/day-{day:%Y%m%d}.parquet"]
    with duckdb.connect() as connection:
        counts = {}
        for source, key, at in (("events", "event_id", "occurred_at"), ("orders", "order_id", "ordered_at")):
            today = f"read_parquet('{store}/{source}/**/day-*.parquet', hive_partitioning = false)"
            before = f"(select {key} from read_parquet('{store}/{source}/**/part-*.parquet', hive_partitioning = false))"
            counts[source] = connection.execute(
                f"select count(distinct loaded_at::date), count(*) filter ({key} in {before}), "
                f"count(*) filter ({key} not in {before}), "
                f"count(*) filter ({key} not in {before} and {at}::date < ?) from {today}", [day]).fetchone()
    loaded_days, again, new, late_new = counts["events"]
    # all delivered that day: new events, some that happened on earlier days, and re-deliveries
    assert loaded_days == 1 and new > 0 and late_new > 0 and again > 0
    loaded_days, _, new, _ = counts["orders"]
    assert loaded_days == 1 and new > 0  # repeat orders of existing customers at least
    assert (store / "_COMPLETE").read_text().splitlines()[-1] == f"appended {day}"
    assert generate(store, "--append-day").returncode == 0
    assert list(store.rglob(f"day-{day + dt.timedelta(days=1):%Y%m%d}.parquet"))


def test_generator_append_day_needs_a_generated_store(tmp_path: Path) -> None:
    result = generate(tmp_path / "nothing", "--append-day")
    assert result.returncode == 2
    assert "not a complete generated store" in result.stderr and "Traceback" not in result.stderr


def test_duckdb_settings_come_from_the_environment(tmp_path: Path) -> None:
    def run(**settings: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CUSTOMER_LEVELS_DB": str(tmp_path / "w.duckdb"), "DBT_PROFILES_DIR": str(REPO_ROOT),
               **settings}
        return subprocess.run([str(Path(sys.executable).with_name("dbt")), "run", "--select", "erasure_log",
                               "--vars", f'{{"raw_data_dir": "{tmp_path / "empty"}"}}', "--target-path",
                               str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)

    applied = run(CUSTOMER_LEVELS_DUCKDB_THREADS="1", CUSTOMER_LEVELS_DUCKDB_TEMP_DIRECTORY=str(tmp_path / "spill"),
                  CUSTOMER_LEVELS_DUCKDB_PRESERVE_INSERTION_ORDER="false")
    assert applied.returncode == 0, applied.stdout[-3000:]
    assert "duckdb: set global threads = 1" in applied.stdout
    assert f"duckdb: set global temp_directory = '{tmp_path / 'spill'}'" in applied.stdout
    assert "duckdb: set global preserve_insertion_order = false" in applied.stdout
    refused = run(CUSTOMER_LEVELS_DUCKDB_THREADS="zero")
    assert refused.returncode != 0
    assert "CUSTOMER_LEVELS_DUCKDB_THREADS must be a whole number of at least 1, got 'zero'" in refused.stdout


def test_generator_builds_a_big_store_in_chunks(tmp_path: Path) -> None:
    store = tmp_path / "raw"
    assert generate(store, "--visitors", "3000", "--chunk-visitors", "1000", "--seed", "7").returncode == 0
    with duckdb.connect() as connection:
        def scalar(sql: str):
            return connection.execute(sql).fetchone()[0]

        events = f"read_parquet('{store}/events/**/*.parquet', hive_partitioning = false)"
        orders = f"read_parquet('{store}/orders/**/*.parquet', hive_partitioning = false)"
        # three chunks, each with its own visitors, customers and keys
        assert scalar(f"select list_sort(list(distinct split_part(anonymous_id, '-', 2))) from {events}") == [
            "0", "1", "2"]
        assert scalar(f"select count(distinct split_part(customer_id, '-', 1)) from {orders}") == 3
        # a key delivered twice is the same row: chunks never reuse one
        assert scalar(f"select count(*) from (select event_id from {events} group by 1 "
                      f"having count(distinct (anonymous_id, occurred_at)) > 1)") == 0
        assert scalar(f"select count(*) from read_parquet('{store}/refunds/*.parquet') "
                      f"where order_id not in (select order_id from {orders})") == 0
        # one ad spend report: a row per day, channel and campaign
        assert scalar(f"select count(*) - count(distinct (spend_date, channel, campaign)) "
                      f"from read_parquet('{store}/ad_spend/*.parquet')") == 0
    refused = generate(tmp_path / "faulty", "--visitors", "3000", "--chunk-visitors", "1000", "--faults", "0.01")
    assert refused.returncode == 2 and "--faults is for stores of up to --chunk-visitors" in refused.stderr


@pytest.mark.parametrize(("store_format", "extra", "day_files"), [
    # GA4: the day's rows go into the daily table of the day they happened (late rows into earlier ones)
    ("ga4", ("--order-source", "web", "--email-source", "klaviyo"), ["ga4/events_{day}/day-{day}.parquet"]),
    ("segment", (), ["segment/pages/day-{day}.parquet", "segment/tracks/day-{day}.parquet",
                     "orders/load_month={month}/day-{day}.parquet"]),
    ("shopify_csv", (), ["shopify_csv/day-{day}.csv", "events/load_month={month}/day-{day}.parquet"]),
])
def test_the_next_day_is_appended_in_the_stores_own_formats(tmp_path: Path, store_format: str, extra: tuple[str, ...],
                                                           day_files: list[str]) -> None:
    """make next-day on a store generated in a tool's format: the day lands as that tool delivers it."""
    store = tmp_path / "raw"
    assert generate(store, "--visitors", "600", "--seed", "3", "--format", store_format, *extra).returncode == 0
    canonical = store / ".canonical"
    last_loaded = duckdb.sql(
        f"select max(loaded_at)::date from read_parquet('{canonical}/events/**/*.parquet', hive_partitioning = false)"
    ).fetchall()[0][0]
    result = generate(store, "--append-day")
    assert result.returncode == 0, result.stderr[-2000:]
    day = last_loaded + dt.timedelta(days=1)
    tag = f"{day:%Y%m%d}"
    written = {str(p.relative_to(store)) for p in store.rglob(f"day-{tag}.*") if CANONICAL_TWIN not in p.parts}
    for expected in day_files:
        assert expected.format(day=tag, month=f"{day:%Y-%m}") in written, sorted(written)
    # nothing of the tool's data is written in the contract's layout
    tool_dirs = {"ga4": ["events", "orders"], "segment": ["events"], "shopify_csv": ["orders", "refunds"]}
    assert not any((store / name).exists() for name in tool_dirs[store_format])
    if store_format == "ga4":
        assert all(d.name.startswith("events_") for d in (store / "ga4").iterdir())
        dates = duckdb.sql(f"select distinct event_date from read_parquet('{store}/ga4/events_{tag}/day-{tag}.parquet')"
                           ).fetchall()
        assert dates == [(tag,)]
    if store_format == "shopify_csv":
        with (store / "shopify_csv" / f"day-{tag}.csv").open() as handle:
            assert handle.readline().startswith("Name,Email,Financial Status")
    assert generate(store, "--append-day").returncode == 0  # and the day after
    assert (store / "_COMPLETE").read_text().splitlines()[-2:] == [f"appended {day}",
                                                                  f"appended {day + dt.timedelta(days=1)}"]


def test_every_order_of_the_shopify_demo_export_has_an_email(tmp_path: Path) -> None:
    """Shopify's checkout requires an e-mail, and it is the export's only key to the person: an order
    the demo's contract store keeps without one gets the address its customer gave on another order,
    else one made from the customer id (docs/development.md: the demo store)."""
    store = tmp_path / "raw"
    assert generate(store, "--visitors", "3000", "--seed", "7", "--format", "shopify_csv").returncode == 0
    export = f"read_csv('{store}/shopify_csv/*.csv', all_varchar = true, header = true)"
    contract = f"read_parquet('{store}/.canonical/orders/**/*.parquet', hive_partitioning = false)"
    with duckdb.connect() as connection:
        # the contract store has orders without an e-mail, some of a customer who gave one elsewhere
        without = connection.execute(f"select count(*), count(distinct customer_id) from {contract} where email is null"
                                     ).fetchone()
        assert without[0] > 0
        assert connection.execute(f"""select count(*) from {export} where "Financial Status" is not null
                                      and coalesce(trim("Email"), '') = ''""").fetchone()[0] == 0
        # one customer, one address: every order of a contract customer carries a single e-mail in the export
        addresses = connection.execute(f"""
            select count(*) from (
                select orders.customer_id
                from {contract} as orders
                inner join {export} as export on export."Name" = '#' || orders.order_id
                group by orders.customer_id having count(distinct lower(trim(export."Email"))) > 1)""").fetchone()[0]
        made_up = connection.execute(f"""select count(distinct "Email") from {export}
                                         where "Email" like '%@customers.example'""").fetchone()[0]
    assert addresses == 0
    assert made_up <= without[1]


"""Incremental staging: a store delivered day by day and built after each day gives the same
marts, row for row, as one full build of all its files (fixtures/incremental_store/README.md); so
does a GA4 export whose daily tables replace intraday drafts already staged
(fixtures/incremental_ga4/README.md)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, REPO_ROOT, Build, build_project, write_raw_store
from person_hashes import keyed_hash

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from published_marts import PUBLISHED_MARTS  # noqa: E402

# Every model a reader or an auditor sees; staging without the column naming the run that wrote it.
COMPARED = [f"marts.{mart}" for mart in PUBLISHED_MARTS] + [
    "intermediate.int_events_stitched", "audit.quarantine", "audit.raw_row_accounting",
]
# Empty on this store, so compared but proving nothing here: the holdout validation needs a BG/NBD fit
# on the calibration period, and this store's handful of buyers is too few for one.
EMPTY_ON_THIS_STORE = {"marts.mart_clv_validation"}
STAGING_COLUMNS = {
    "staging.stg_web__events": "event_id, event_type, anonymous_id, customer_id, email_hash, occurred_at, loaded_at, "
                               "page_path, source_file, source_row_number",
    "staging.stg_shop__orders": "order_id, customer_id, email_hash, ordered_at, currency, amount, status, loaded_at, "
                                "source_file, source_row_number",
}

# Hand-worked from the fixture: the keys each day's run writes, and what is stored after it.
STAGED_EACH_DAY = {
    1: ({"e1", "e2", "e3", "e4"}, set()),
    2: ({"e5", "e6", "e7"}, {"o1"}),  # not e2: its day-2 delivery is a duplicate
    3: ({"e3", "e8"}, {"o4"}),  # e3 again: the late file holds an earlier delivery; not the o1 duplicate
    4: ({"e9"}, {"o2"}),  # not e10 or o3 (quarantined)
}
STORED_EACH_DAY = {
    1: ({"e1", "e2", "e3", "e4"}, set()),
    2: ({"e1", "e2", "e3", "e4", "e5", "e6", "e7"}, {"o1"}),
    3: ({"e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"}, {"o1", "o4"}),
    # a2's erasure request deletes e3, e4 and o4, stored on days 1 and 3
    4: ({"e1", "e2", "e5", "e6", "e7", "e8", "e9"}, {"o1", "o2"}),
}


def delivery_day(path: Path) -> int:
    return int(re.match(r"day-(\d+)", path.name).group(1))


def invocation_id(build: Build, work: Path) -> str:
    return json.loads((work / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]


def keys(build: Build, table: str, key: str, where: str = "true", params: list | None = None) -> set[str]:
    with duckdb.connect(str(build.database), read_only=True) as connection:
        return {row[0] for row in connection.execute(f"select {key} from {table} where {where}", params).fetchall()}


@pytest.fixture(scope="module")
def day_by_day(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The fixture's files copied into a raw store one delivery day at a time, built after each day;
    then a full build of the final store into another file."""
    work = tmp_path_factory.mktemp("incremental")
    all_files = write_raw_store(FIXTURES / "incremental_store", work / "all_files")
    raw = work / "raw"
    daily = work / "daily"
    daily.mkdir()
    days = sorted({delivery_day(path) for path in all_files.rglob("*.parquet")})
    staged: dict[int, tuple[set[str], set[str]]] = {}
    stored: dict[int, tuple[set[str], set[str]]] = {}
    for day in days:
        for path in all_files.rglob("*.parquet"):
            if delivery_day(path) == day:
                target = raw / path.relative_to(all_files)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
        build = build_project(raw, daily)
        assert build.result.returncode == 0, build.output[-5000:]
        run = invocation_id(build, daily)
        staged[day] = (keys(build, "staging.stg_web__events", "event_id", "staged_in_invocation = ?", [run]),
                       keys(build, "staging.stg_shop__orders", "order_id", "staged_in_invocation = ?", [run]))
        stored[day] = (keys(build, "staging.stg_web__events", "event_id"),
                       keys(build, "staging.stg_shop__orders", "order_id"))
        if day == 3:
            e3_after_day_3 = build.rows("select strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), page_path, "
                                        "regexp_extract(source_file, '[^/]+$') from staging.stg_web__events "
                                        "where event_id = 'e3'")
    full_work = work / "full"
    full_work.mkdir()
    full = build_project(raw, full_work)
    assert full.result.returncode == 0, full.output[-5000:]
    return {"daily": build, "full": full, "staged": staged, "stored": stored, "days": days, "raw": raw,
            "work": work, "e3_after_day_3": e3_after_day_3}


def test_each_day_stages_only_new_late_and_earlier_deliveries(day_by_day: dict) -> None:
    assert day_by_day["days"] == [1, 2, 3, 4]
    assert day_by_day["staged"] == STAGED_EACH_DAY


def test_stored_rows_follow_deliveries_and_erasures(day_by_day: dict) -> None:
    assert day_by_day["stored"] == STORED_EACH_DAY
    # day 3's late file held an earlier delivery of e3 (another page): it replaced the stored one
    assert day_by_day["e3_after_day_3"] == [("2025-03-01 10:01:00", "/products/wool-socks", "day-3-late-file.parquet")]


def assert_same_rows(incremental: Build, full: Build, may_be_empty: set[str]) -> None:
    """Every compared model and the staging rows: the same rows in both builds (an empty model, unless
    allowed, fails: its comparison would prove nothing)."""
    with duckdb.connect() as connection:
        connection.execute(f"attach '{incremental.database}' as daily (read_only)")
        connection.execute(f"attach '{full.database}' as full_build (read_only)")
        compared = [(name, "*") for name in COMPARED] + list(STAGING_COLUMNS.items())
        for name, columns in compared:
            rows = {side: connection.execute(f"select {columns} from {side}.{name}").fetchall()
                    for side in ("daily", "full_build")}
            assert rows["daily"] or name in may_be_empty, \
                f"{name}: {len(rows['daily'])} rows (an empty mart's comparison would prove nothing)"
            missing = connection.execute(
                f"select count(*) from (select {columns} from full_build.{name} "
                f"except all select {columns} from daily.{name})").fetchone()[0]
            extra = connection.execute(
                f"select count(*) from (select {columns} from daily.{name} "
                f"except all select {columns} from full_build.{name})").fetchone()[0]
            assert (missing, extra) == (0, 0), f"{name}: {missing} rows missing, {extra} extra after incremental builds"


def test_day_by_day_equals_one_full_build_row_for_row(day_by_day: dict) -> None:
    assert not day_by_day["daily"].rows("select * from marts.mart_clv_validation")
    assert_same_rows(day_by_day["daily"], day_by_day["full"], may_be_empty=EMPTY_ON_THIS_STORE)


def test_touched_people_are_recomputed(day_by_day: dict) -> None:
    """a1's day-1 events belong to customer:c1 once a1 identifies on day 2; c1 is a repeat buyer after
    day 4's order, with net revenue 50 - 10 + 30; a2 and c2 are gone."""
    build = day_by_day["daily"]
    assert build.rows("select person_id, count(*) from intermediate.int_events_stitched "
                      "where event_id in ('e1', 'e2', 'e5') group by 1") == [("customer:c1", 3)]
    people = {row[0]: row[1:] for row in build.rows(
        "select person_id, level_number, valid_order_count, net_revenue from marts.dim_people")}
    assert people == {"customer:c1": (5, 2, 70), "anonymous:a3": (2, 0, 0)}


def test_accounting_balances_after_incremental_runs(day_by_day: dict) -> None:
    rows = day_by_day["daily"].rows(
        "select source_name, rows_read, rows_kept, rows_quarantined, duplicates_dropped, rows_erased, is_balanced "
        "from audit.raw_row_accounting where source_name in ('events', 'orders') order by 1")
    # events: 12 rows = 7 kept + e10 quarantined + e2's second delivery + a2's e3 (twice) and e4 erased;
    # orders: 5 rows = o1, o2 kept + o3 quarantined + o1's second delivery + o4 (c2, erased)
    assert rows == [("events", 12, 7, 1, 1, 3, True), ("orders", 5, 2, 1, 1, 1, True)]


def test_a_different_raw_store_stops_an_incremental_run(day_by_day: dict) -> None:
    work = day_by_day["work"] / "daily"
    other = day_by_day["work"] / "moved_raw"
    shutil.copytree(day_by_day["raw"], other)
    refused = build_project(other, work)
    assert refused.result.returncode != 0
    assert "an incremental run would mix two raw stores" in refused.output
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(work / "warehouse.duckdb"), "DBT_TARGET_PATH": str(work / "target"),
           "DBT_LOG_PATH": str(work / "logs")}
    rebuilt = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build.py"), "--raw-dir", str(other)],
                             cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert rebuilt.returncode == 0, (rebuilt.stdout + rebuilt.stderr)[-3000:]
    assert "built from another raw store" in rebuilt.stderr and "full refresh" in rebuilt.stderr
    assert keys(Build(work / "warehouse.duckdb", rebuilt), "staging.stg_web__events", "source_file",
                ) == {str(other / "events" / name) for name in ("day-1.parquet", "day-2.parquet",
                                                                "day-3-late-file.parquet", "day-4.parquet")}


def test_another_hash_key_stops_an_incremental_run(day_by_day: dict, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored e-mail hashes made with another key would split people and escape erasure requests."""
    shutil.copy(day_by_day["full"].database, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("CUSTOMER_LEVELS_HASH_KEY", "another-key-for-this-test")
    refused = build_project(day_by_day["raw"], tmp_path)
    assert refused.result.returncode != 0
    assert "holds hashes made with another hash key (CUSTOMER_LEVELS_HASH_KEY)" in refused.output


def test_when_build_py_rebuilds_staging_in_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from build import full_refresh_reason, raw_data_dir_var

    database = tmp_path / "w.duckdb"
    raw = tmp_path / "raw"
    assert full_refresh_reason(database, raw) is None  # nothing built yet
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema staging")
        connection.execute("create table staging.stg_web__events (event_id varchar, source_file varchar)")
        connection.execute(f"insert into staging.stg_web__events values ('e1', '{raw}/events/day-1.parquet')")
    assert full_refresh_reason(database, raw) == "staging.stg_web__events was built by an earlier version of the project"
    with duckdb.connect(str(database)) as connection:
        connection.execute("alter table staging.stg_web__events add column staged_in_invocation varchar")
        connection.execute("alter table staging.stg_web__events add column hash_key_fingerprint varchar")
        # the fingerprint of the demo key: its HMAC of the fixed text (scripts/hash_key.py)
        connection.execute("update staging.stg_web__events set hash_key_fingerprint = ?",
                           [keyed_hash("customer_levels hash key fingerprint")])
    monkeypatch.delenv("CUSTOMER_LEVELS_HASH_KEY", raising=False)
    assert full_refresh_reason(database, raw) is None
    assert full_refresh_reason(database, tmp_path / "other") == (
        f"the warehouse was built from another raw store ({raw}/events/day-1.parquet)")
    monkeypatch.setenv("CUSTOMER_LEVELS_HASH_KEY", "another-key")
    assert full_refresh_reason(database, raw) == (
        "staging.stg_web__events was hashed with another CUSTOMER_LEVELS_HASH_KEY")
    # the demo store inside the project is passed as dbt's default names it, so a plain `dbt build`
    # reads the same file names
    assert raw_data_dir_var(REPO_ROOT / "data" / "raw") == "data/raw"
    assert raw_data_dir_var(raw) == str(raw)


# --- A GA4 day delivered as the intraday draft, then as the daily table (fixtures/incremental_ga4) ---

GA4_FIXTURE = FIXTURES / "incremental_ga4" / "ga4_events.csv"
GA4_VARS = {"web_source": "ga4", "order_source": "web", "email_source": "web"}
# Hand-worked in fixtures/incremental_ga4/README.md: the events each run writes, and what is stored after it.
GA4_STAGED_EACH_RUN = {
    1: ({"d1", "i1", "i2", "i3", "i4", "j1", "j2"}, {"o1"}),
    2: ({"i1", "i2", "i3b", "a1", "j1", "k1", "l1"}, {"o1"}),  # not d1: read again, it ties with itself
}
GA4_STORED_EACH_RUN = {
    1: ({"d1", "i1", "i2", "i3", "i4", "j1", "j2"}, {"o1"}),
    # i3 (another id in the daily table), i4 and j2 (absent from it) are gone; j2's file was deleted
    2: ({"d1", "i1", "i2", "i3b", "a1", "j1", "k1", "l1"}, {"o1"}),
}


def ga4_fixture_rows() -> list[dict[str, str]]:
    with GA4_FIXTURE.open(newline="") as handle:
        return list(csv.DictReader(handle))


def ga4_labels() -> dict[str, str]:
    """{derived event id: label}, by the documented formula (docs/sources.md: event ids)."""
    labels = {}
    for row in ga4_fixture_rows():
        micros = int(dt.datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=dt.timezone.utc).timestamp()
                     * 1_000_000)
        key = "|".join([row["user_pseudo_id"], str(micros), row["event_name"], row["ga_session_id"],
                        row["batch_event_index"], row["page_location"]])
        labels["ga4:" + hashlib.md5(key.encode()).hexdigest()] = row["label"]
    return labels


def deliver_ga4_run(raw: Path, run: int) -> None:
    """The raw store as it stands at a run: the fixture's files of that run written as GA4 Parquet
    (BigQuery's nested export schema), the files gone by then deleted."""
    rows = ga4_fixture_rows()
    for file_name in sorted({row["_file"] for row in rows if row["_gone_in_run"] == str(run)}):
        shutil.rmtree((raw / "ga4" / file_name).parent)
    connection = duckdb.connect()
    for file_name in sorted({row["_file"] for row in rows if row["_run"] == str(run)}):
        target = raw / "ga4" / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        parameter = ("{{'key': '{key}', 'value': {{'string_value': {s}, 'int_value': {i}, "
                     "'float_value': null::double, 'double_value': {d}}}}}")
        params = ", ".join([
            parameter.format(key="page_location", s="page_location", i="null::bigint", d="null::double"),
            parameter.format(key="ga_session_id", s="null::varchar", i="ga_session_id::bigint", d="null::double"),
            parameter.format(key="currency", s="currency", i="null::bigint", d="null::double"),
            parameter.format(key="value", s="null::varchar", i="null::bigint", d="value::double"),
        ])
        connection.execute(f"""
            copy (
                select
                    event_date,
                    epoch_us(occurred_at::timestamp) as event_timestamp,
                    event_name,
                    list_filter([{params}], lambda p: coalesce(p.value.string_value, p.value.int_value::varchar,
                                                          p.value.double_value::varchar) is not null) as event_params,
                    user_pseudo_id,
                    nullif(user_id, '') as user_id,
                    case when transaction_id <> '' then {{'transaction_id': transaction_id,
                        'purchase_revenue': value::double, 'refund_value': null::double}} end as ecommerce,
                    {{'manual_source': nullif(manual_source, ''), 'manual_medium': null::varchar,
                      'manual_campaign_name': null::varchar}} as collected_traffic_source,
                    nullif(batch_event_index, '')::bigint as batch_event_index
                from read_csv('{GA4_FIXTURE}', all_varchar = true, header = true)
                where _run = '{run}' and _file = '{file_name}'
                order by occurred_at
            ) to '{target}' (format parquet)
        """)


@pytest.fixture(scope="module")
def ga4_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Two incremental runs (the intraday drafts, then the daily tables replacing them) and one full
    build of the final raw store: three builds."""
    work = tmp_path_factory.mktemp("incremental_ga4")
    raw, incremental = work / "raw", work / "incremental"
    incremental.mkdir()
    labels = ga4_labels()
    staged: dict[int, tuple[set[str], set[str]]] = {}
    stored: dict[int, tuple[set[str], set[str]]] = {}
    for run in (1, 2):
        deliver_ga4_run(raw, run)
        build = build_project(raw, incremental, **GA4_VARS)
        assert build.result.returncode == 0, build.output[-5000:]
        invocation = invocation_id(build, incremental)
        staged[run] = ({labels[key] for key in keys(build, "staging.stg_web__events", "event_id",
                                                    "staged_in_invocation = ?", [invocation])},
                       keys(build, "staging.stg_shop__orders", "order_id", "staged_in_invocation = ?", [invocation]))
        stored[run] = ({labels[key] for key in keys(build, "staging.stg_web__events", "event_id")},
                       keys(build, "staging.stg_shop__orders", "order_id"))
    full_work = work / "full"
    full_work.mkdir()
    full = build_project(raw, full_work, **GA4_VARS)
    assert full.result.returncode == 0, full.output[-5000:]
    return {"incremental": build, "full": full, "staged": staged, "stored": stored, "labels": labels}


def test_ga4_daily_table_replaces_the_stored_intraday_rows_of_its_day(ga4_runs: dict) -> None:
    assert ga4_runs["staged"] == GA4_STAGED_EACH_RUN
    assert ga4_runs["stored"] == GA4_STORED_EACH_RUN
    build, labels = ga4_runs["incremental"], ga4_runs["labels"]
    stored = {labels[row[0]]: row[1:] for row in build.rows(
        "select event_id, utm_source, regexp_extract(source_file, 'ga4/(.+)/', 1) from staging.stg_web__events")}
    assert stored == {
        "d1": ("newsletter", "events_20250228"),
        # i2's campaign is in the daily table only
        "i1": (None, "events_20250301"), "i2": ("google", "events_20250301"), "i3b": (None, "events_20250301"),
        "a1": (None, "events_20250301"), "j1": (None, "events_20250302"), "k1": (None, "events_20250302"),
        "l1": (None, "events_intraday_20250303"),
    }
    assert build.rows("select order_id, amount, strftime(loaded_at, '%Y-%m-%d %H:%M'), "
                      "regexp_extract(source_file, 'ga4/(.+)/', 1) from staging.stg_shop__orders") == [
        ("o1", 30, "2025-03-02 00:00", "events_20250301")]


def test_ga4_rows_are_accounted_for_after_the_daily_table_replaced_the_draft(ga4_runs: dict) -> None:
    # 14 rows read (the deleted intraday table of 03-02 is no raw row any more) = 9 kept + the 5
    # intraday copies of 03-01, still in the raw store
    assert ga4_runs["incremental"].rows(
        "select source_system, source_name, rows_read, rows_kept, rows_quarantined, duplicates_dropped, "
        "rows_erased, rows_merged, is_balanced from audit.raw_row_accounting where source_system = 'ga4'") == [
        ("ga4", "events", 14, 9, 0, 5, 0, 0, True)]


def test_ga4_incremental_runs_equal_one_full_build_row_for_row(ga4_runs: dict) -> None:
    # no row of this store is rejected: the quarantine is empty on both sides
    assert_same_rows(ga4_runs["incremental"], ga4_runs["full"], may_be_empty=EMPTY_ON_THIS_STORE | {"audit.quarantine"})
    people = {row[0]: row[1:] for row in ga4_runs["incremental"].rows(
        "select person_id, level_number, valid_order_count, net_revenue from marts.dim_people")}
    assert people == {"customer:c1": (4, 1, 30), "anonymous:p3": (2, 0, 0)}

"""Data quality: quarantine with reasons, accounting, file-level faults, GX suites, faults on demand, erasure."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, Build, build_fixture, build_project, timed_build
from person_hashes import email_hash, email_person, keyed_hash, plain_sha256

SCRIPTS = REPO_ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))
from published_marts import PUBLISHED_MARTS as MARTS  # noqa: E402


def run_script(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / name), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_fixture("faults_store", tmp_path_factory)


def test_every_fault_is_quarantined_with_its_reason(faults: Build) -> None:
    rows = faults.rows("select source_name, record_key, quarantine_reason from audit.quarantine "
                       "order by source_name, record_key nulls first, quarantine_reason")
    assert rows == [
        ("ad_spend", "2025-01-02||prospecting", "missing_key"),
        ("ad_spend", "2025-01-03|google_ads|prospecting", "negative_amount"),
        ("ad_spend", "2025-01-04|google_ads|prospecting", "unknown_currency"),
        ("events", None, "missing_key"),
        ("events", "x1", "unknown_event_type"),
        ("events", "x2", "bad_timestamp"),
        ("events", "x3", "occurred_after_loaded"),
        ("events", "x4", "no_identifier"),
        ("orders", None, "missing_key"),
        ("orders", "o2", "missing_key"),
        ("orders", "o3", "bad_timestamp"),
        ("orders", "o4", "negative_amount"),
        ("orders", "o5", "unknown_currency"),
        ("orders", "o6", "unknown_status"),
        ("orders", "o8", "bad_amount"),
        ("refunds", None, "missing_key"),
        ("refunds", "r2", "negative_amount"),
        ("refunds", "r3", "negative_amount"),
        ("refunds", "r4", "orphan_refund"),
        ("refunds", "r5", "refund_exceeds_order"),
        ("refunds", "r6", "orphan_refund"),  # its order o4 was quarantined
    ]
    files = faults.rows("select distinct source_file from audit.quarantine")
    assert all(f[0].endswith("part-0.parquet") for f in files)


def test_accounting_adds_up(faults: Build) -> None:
    rows = faults.rows("select source_name, rows_read, rows_kept, rows_quarantined, duplicates_dropped, rows_erased, "
                       "is_balanced from audit.raw_row_accounting order by source_name")
    assert rows == [
        ("ad_spend", 4, 1, 3, 0, 0, True),
        ("events", 8, 2, 5, 1, 0, True),
        ("orders", 10, 2, 7, 1, 0, True),
        ("refunds", 7, 1, 6, 0, 0, True),
    ]


def test_good_rows_are_normalised_not_rejected(faults: Build) -> None:
    assert faults.rows("select event_id, event_type, email_hash from staging.stg_web__events order by 1") == [
        ("g1", "page_view", None), ("g2", "page_view", email_hash("Foo@Example.COM"))]
    assert faults.rows("select order_id, currency, amount, status from staging.stg_shop__orders order by 1") == [
        ("o1", "USD", pytest.approx(10), "completed"), ("o7", "USD", pytest.approx(20), "completed")]


def test_clean_store_quarantines_nothing(marts_store: Build) -> None:
    build = marts_store
    assert build.scalar("select count(*) from audit.quarantine") == 0
    assert build.rows("select bool_and(is_balanced), sum(duplicates_dropped) from audit.raw_row_accounting") == [
        (True, 0)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same small store twice: clean, and with --faults 0.02 (plus its file-level faults)."""
    root = tmp_path_factory.mktemp("generated")
    for name, extra in (("clean", []), ("faulty", ["--faults", "0.02"])):
        result = run_script("generate_data.py", "--out", str(root / name), "--visitors", "2500", "--seed", "11",
                            "--start", "2025-01-01", "--end", "2025-12-31", *extra)
        assert result.returncode == 0, result.stderr
    return root


def build_with_wrapper(raw_dir: Path, work_dir: Path) -> subprocess.CompletedProcess[str]:
    work_dir.mkdir(parents=True, exist_ok=True)
    with timed_build(f"build.py {raw_dir.name}"):
        return run_script("build.py", "--raw-dir", str(raw_dir), env={
            "CUSTOMER_LEVELS_DB": str(work_dir / "warehouse.duckdb"), "DBT_TARGET_PATH": str(work_dir / "target"),
            "DBT_LOG_PATH": str(work_dir / "logs")})


def test_faulty_store_gives_the_same_marts_as_the_clean_one(generated: Path) -> None:
    for name in ("clean", "faulty"):
        result = build_with_wrapper(generated / name, generated / f"build_{name}")
        assert result.returncode == 0, result.stdout[-3000:]
    with duckdb.connect() as connection:
        connection.execute(f"attach '{generated / 'build_clean' / 'warehouse.duckdb'}' as clean (read_only)")
        connection.execute(f"attach '{generated / 'build_faulty' / 'warehouse.duckdb'}' as faulty (read_only)")
        for mart in MARTS:
            rows = connection.execute(f"select count(*) from clean.marts.{mart}").fetchall()[0][0]
            assert rows > 0, mart
            for left, right in (("clean", "faulty"), ("faulty", "clean")):
                extra = connection.execute(f"select count(*) from (select * from {left}.marts.{mart} "
                                           f"except all select * from {right}.marts.{mart})").fetchall()[0][0]
                assert extra == 0, f"{mart}: {extra} rows in {left} only"
        reasons = {r[0] for r in connection.execute("select distinct quarantine_reason from faulty.audit.quarantine")
                   .fetchall()}
        assert reasons == {"missing_key", "unknown_event_type", "bad_timestamp", "occurred_after_loaded",
                           "no_identifier", "negative_amount", "unknown_currency", "unknown_status",
                           "orphan_refund", "refund_exceeds_order"}
        assert connection.execute("select count(*) from clean.audit.quarantine").fetchall()[0][0] == 0


def test_raw_suites_warn_on_faulty_rows_and_go_on(generated: Path, tmp_path: Path) -> None:
    result = run_script("validate.py", "--suite", "raw", "--raw-dir", str(generated / "faulty"),
                        "--docs-dir", str(tmp_path / "docs"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" in result.stdout and "unknown_currency" not in result.stdout  # samples, never reasons
    assert "currency_normalised" in result.stdout and "'XYZ'" in result.stdout
    assert (tmp_path / "docs" / "index.html").exists()


def test_marts_suites_pass_on_a_generated_store(generated: Path, tmp_path: Path) -> None:
    database = generated / "build_clean" / "warehouse.duckdb"
    if not database.exists():
        assert build_with_wrapper(generated / "clean", generated / "build_clean").returncode == 0
    result = run_script("validate.py", "--suite", "marts", "--db", str(database), "--docs-dir", str(tmp_path / "d"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "marts suites passed" in result.stderr


def test_marts_suites_catch_an_email_address(generated: Path, tmp_path: Path) -> None:
    database = tmp_path / "leaky.duckdb"
    source = generated / "build_clean" / "warehouse.duckdb"
    if not source.exists():
        assert build_with_wrapper(generated / "clean", generated / "build_clean").returncode == 0
    shutil.copy(source, database)
    with duckdb.connect(str(database)) as connection:
        connection.execute("update marts.dim_people set acquisition_channel = 'ann@example.com' "
                           "where person_id = (select min(person_id) from marts.dim_people)")
    result = run_script("validate.py", "--suite", "marts", "--db", str(database), "--docs-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert "expect_column_values_to_not_match_regex" in result.stdout and "acquisition_channel" in result.stdout


@pytest.mark.parametrize("case, fault", [
    ("not_parquet", "orders/export.parquet: not a readable Parquet file"),
    ("truncated", "events/part-0.parquet: not a readable Parquet file"),
    ("missing_column", "orders/part-0.parquet: missing required column(s): amount"),
])
def test_file_fault_stops_before_dbt_and_leaves_the_warehouse(generated: Path, tmp_path: Path, case: str,
                                                              fault: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(generated / "build_clean" / "warehouse.duckdb", work / "warehouse.duckdb") \
        if (generated / "build_clean" / "warehouse.duckdb").exists() else (work / "warehouse.duckdb").write_bytes(b"")
    before = (work / "warehouse.duckdb").read_bytes()
    result = build_with_wrapper(generated / "faulty_file_faults" / case, work)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "raw file fault" in line]
    assert len(lines) == 1 and fault in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert (work / "warehouse.duckdb").read_bytes() == before
    assert not (work / "target").exists()  # dbt never started


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build_fixture("erasure_store", tmp_path_factory)


def test_erased_people_are_in_no_model(erased: Build) -> None:
    # c1 (asked by customer id) with its e-mail, orders, refund and cookie a1; the sign-up who
    # asked by e-mail with cookie a2. c3 stays.
    # their keyed hashes stay only in the log; the plain SHA-256 of their addresses is nowhere
    forbidden = {"c1", "a1", "a2", "o1", "o2", "r1", "e1", "e2", "e3", "e4", "e5", "customer:c1", "anonymous:a1",
                 "anonymous:a2", email_hash("gone@example.com"), email_hash("forget.me@example.com"),
                 email_person("forget.me@example.com"), keyed_hash("c1"), plain_sha256("gone@example.com"),
                 plain_sha256("forget.me@example.com")}
    relations = erased.rows("select table_schema, table_name from information_schema.tables "
                            "where table_schema not in ('raw') and table_name <> 'erasure_log'")
    assert len(relations) > 20
    for schema, table in relations:
        columns = [r[0] for r in erased.rows(
            f"select column_name from information_schema.columns where table_schema = '{schema}' "
            f"and table_name = '{table}' and data_type = 'VARCHAR'")]
        for column in columns:
            hits = erased.rows(f'select distinct "{column}" from {schema}.{table} where "{column}" in '
                               f"({', '.join(repr(v) for v in sorted(forbidden))})")
            assert hits == [], f"{schema}.{table}.{column} holds {hits}"
    assert erased.rows("select person_id, valid_order_count from marts.dim_people") == [("customer:c3", 1)]


def test_erasure_log_holds_only_hashes(erased: Build) -> None:
    rows = erased.rows("select identifier_type, identifier_hash, cast(requested_at as date) from audit.erasure_log "
                       "order by 1, 2")
    c1_requested, email_requested = dt.date(2025, 3, 1), dt.date(2025, 3, 2)
    assert sorted(rows) == sorted([
        ("customer_id", keyed_hash("c1"), c1_requested),
        ("email", email_hash("gone@example.com"), c1_requested),  # c1's e-mail
        ("email", email_hash("forget.me@example.com"), email_requested),
        ("order_id", keyed_hash("o1"), c1_requested),
        ("order_id", keyed_hash("o2"), c1_requested),
        ("anonymous_id", keyed_hash("a1"), c1_requested),  # cookie seen with c1
        ("anonymous_id", keyed_hash("a2"), email_requested),  # cookie that signed up with the e-mail
    ])
    accounting = erased.rows("select source_name, rows_erased, is_balanced from audit.raw_row_accounting "
                             "order by source_name")
    assert accounting == [("ad_spend", 0, True), ("events", 5, True), ("orders", 2, True), ("refunds", 1, True)]


def test_an_email_address_reaching_a_model_fails_the_build(tmp_path: Path) -> None:
    # A store whose customer ids are e-mail addresses would leak them into person_id.
    from conftest import FIXTURES, write_raw_store

    raw = write_raw_store(FIXTURES / "email_as_customer_id", tmp_path / "raw")
    build = build_project(raw, tmp_path)
    assert build.result.returncode != 0
    # the one order row (its customer_id and person_id carry the address): the build stops there,
    # before any mart (failing rows are not stored: they hold the address)
    assert "FAIL 1 no_email_addresses_int_orders_netted_of_refunds_" in build.output

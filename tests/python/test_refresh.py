"""Write-audit-publish: a failed audit leaves the served marts in place, the lock, concurrent readers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from conftest import FIXTURES, REPO_ROOT, timed_build, write_raw_store
from person_hashes import email_person, fixture_addresses, plain_sha256, values_holding

REFRESH = REPO_ROOT / "scripts" / "refresh.py"
# The oldest DuckDB the served file promises to open (docs/refresh-and-serving.md), in its own environment
# (requirements-reader.lock, installed by `make test`): BI tools bundle DuckDB 1.x.
READER_PYTHON = Path(os.environ.get("CUSTOMER_LEVELS_READER_PYTHON", REPO_ROOT / ".venv-reader" / "bin" / "python"))
NEW_ORDER = "oZ1,cZ,,2025-03-30 10:00:00,USD,12.00,completed,2025-03-30 11:00:00\n"


def refresh(work: Path, raw: Path, *dbt_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(work / "working.duckdb"), "DBT_TARGET_PATH": str(work / "target"),
           "DBT_LOG_PATH": str(work / "dbt_logs")}
    # the refresh leaves dbt's unit tests out itself (build.REFRESH_EXCLUDES), not through conftest's variable
    env.pop("DBT_EXCLUDE_RESOURCE_TYPES", None)
    var_args = [arg for item in dbt_vars for arg in ("--var", item)]
    with timed_build(f"refresh.py {work.name} {raw.name} {' '.join(dbt_vars)}".strip()):
        return subprocess.run([sys.executable, str(REFRESH), "--raw-dir", str(raw), "--served",
                               str(work / "serving.duckdb"), *var_args], capture_output=True, text=True, env=env,
                              check=False)


def store_with(tmp: Path, name: str, extra_orders: str = "") -> Path:
    fixture = tmp / f"fixture_{name}"
    shutil.copytree(FIXTURES / "marts_store", fixture)
    with (fixture / "orders.csv").open("a") as handle:
        handle.write(extra_orders)
    return write_raw_store(fixture, tmp / f"raw_{name}")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("published")
    result = refresh(work, store_with(work, "v1"))
    assert result.returncode == 0, result.stderr[-3000:]
    return work


def test_refresh_builds_without_dbt_unit_tests(published: Path) -> None:
    """A scheduled refresh runs models, seeds and data tests; dbt's unit tests (rules on inline rows,
    the same on every store) run in `make test`, not in every refresh (issue #18's fixed cost)."""
    results = json.loads((published / "target" / "run_results.json").read_text())["results"]
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert {"model", "seed", "test"} <= kinds and "unit_test" not in kinds


def test_publish_writes_served_file_exports_and_run_record(published: Path) -> None:
    served = published / "serving.duckdb"
    assert oct(served.stat().st_mode & 0o777) == "0o444"
    with duckdb.connect(str(served), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.dim_people").fetchall() == [(8,)]
        runs = connection.execute("select status, as_of_date, rows_read from refresh_runs").fetchall()
    assert runs[0][0] == "published" and runs[0][1] == "2025-03-31"
    assert json.loads(runs[0][2]) == {"ad_spend": 2, "events": 10, "orders": 8, "refunds": 1}
    exports = sorted(p.name for p in (published / "exports" / "marts").iterdir())
    assert exports == sorted(f"{m}.parquet" for m in (
        "dim_people", "fct_orders", "fct_level_history", "fct_customer_predictions", "mart_level_distribution",
        "mart_lifecycle", "mart_stage_funnel", "mart_stage_conversion_cohorts", "mart_stage_focus", "mart_stage_opportunity", "mart_method_impact", "mart_cohort_ltv",
        "mart_cohort_ltv_forecast", "mart_clv_validation", "fct_audience_membership", "mart_audience_sizes"))
    log_line = json.loads((published / "logs" / "refresh_runs.jsonl").read_text().splitlines()[-1])
    assert log_line["status"] == "published" and log_line["mart_rows"]["dim_people"] == 8


def test_served_file_holds_no_address_or_plain_hash_of_one(published: Path) -> None:
    """BI readers get the served file: keyed person ids, never the plain SHA-256 customer match takes
    (that stays in the working file, activation.customer_match_emails)."""
    addresses = fixture_addresses(FIXTURES / "marts_store")
    with duckdb.connect(str(published / "serving.duckdb"), read_only=True) as connection:
        schemas = {row[0] for row in connection.execute(
            "select table_schema from information_schema.tables").fetchall()}
        assert schemas == {"marts", "main"}
        hits = [hit for schema in sorted(schemas)
                for hit in values_holding(connection, schema, addresses | {plain_sha256(a) for a in addresses})]
        assert hits == []
        assert ("dim_people", "person_id", email_person("e@example.com")) in values_holding(
            connection, "marts", [email_person("e@example.com")])
    with duckdb.connect(str(published / "working.duckdb"), read_only=True) as connection:
        assert values_holding(connection, "activation", {plain_sha256("e@example.com")}) != []


OLD_READER = textwrap.dedent("""
    import json, sys, duckdb
    served, out = sys.argv[1], sys.argv[2]
    with duckdb.connect(served, read_only=True) as c:
        marts = [r[0] for r in c.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        for mart in marts:
            c.execute(f"copy (select * from marts.{mart}) to '{out}/{mart}.parquet' (format parquet)")
    print(json.dumps({"version": duckdb.__version__, "marts": marts}))
""")


def test_served_file_opens_in_the_oldest_supported_duckdb(published: Path, tmp_path: Path) -> None:
    """DuckDB 1.0.0 opens the served file read-only and reads every mart, value for value."""
    assert READER_PYTHON.exists(), f"{READER_PYTHON} missing: `make test` installs .venv-reader"
    served = published / "serving.duckdb"
    result = subprocess.run([str(READER_PYTHON), "-c", OLD_READER, str(served), str(tmp_path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    seen = json.loads(result.stdout)
    assert seen["version"] == "1.0.0"
    assert sorted(seen["marts"]) == sorted(p.stem for p in (published / "exports" / "marts").iterdir())
    with duckdb.connect(str(served), read_only=True) as connection:
        for mart in seen["marts"]:
            rows = connection.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            assert connection.execute(f"select count(*) from read_parquet('{tmp_path}/{mart}.parquet')"
                                      ).fetchone()[0] == rows, mart
            differences = connection.execute(
                f"select count(*) from ((select * from marts.{mart} except all "
                f"select * from read_parquet('{tmp_path}/{mart}.parquet')) union all "
                f"(select * from read_parquet('{tmp_path}/{mart}.parquet') except all "
                f"select * from marts.{mart}))").fetchone()[0]
            assert differences == 0, mart


def test_failed_audit_leaves_served_marts_untouched(published: Path, tmp_path: Path) -> None:
    served = published / "serving.duckdb"
    before = served.read_bytes()
    link_before = os.readlink(published / "exports" / "marts")
    # A valid ISO currency with no fx rate: the row is kept, and the fx test fails the build.
    bad = store_with(tmp_path, "bad", "oJ1,cJ,,2025-03-29 10:00:00,JPY,900.00,completed,2025-03-29 11:00:00\n")
    result = refresh(published, bad)
    assert result.returncode == 1
    last = [line for line in result.stderr.splitlines() if line.startswith("refresh:")][-1]
    assert "refresh failed, served marts untouched: build failed" in last
    assert served.read_bytes() == before
    assert os.readlink(published / "exports" / "marts") == link_before
    with duckdb.connect(str(published / "working.duckdb"), read_only=True) as connection:  # kept for inspection
        assert connection.execute("select count(*) from audit.assert_every_order_currency_month_has_fx_rate"
                                  ).fetchall() == [(1,)]
    failed = json.loads((published / "logs" / "refresh_runs.jsonl").read_text().splitlines()[-1])
    assert failed["status"] == "failed" and failed["reason"].startswith("build failed")


def test_second_refresh_exits_while_the_lock_is_held(published: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = published / "serving.duckdb.lock"
        lock.write_text(str(holder.pid))
        started = time.monotonic()
        result = refresh(published, published / "raw_v1")
        assert result.returncode == 3
        assert f"another refresh is running (pid {holder.pid}" in result.stderr
        assert time.monotonic() - started < 20
        assert lock.read_text() == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()
        (published / "serving.duckdb.lock").unlink(missing_ok=True)


def test_stale_lock_of_a_dead_process_is_taken_over(published: Path, tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (published / "serving.duckdb.lock").write_text(str(dead.pid))
    # The run that takes the lock over stops at the raw-file gate, which runs under the lock (a
    # whole rebuild would show no more about the lock): exit 2 says it got past the lock.
    raw = tmp_path / "raw"
    (raw / "orders").mkdir(parents=True)
    (raw / "orders" / "export.parquet").write_text("order_id,amount\n")
    result = refresh(published, raw)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "taking over a stale lock" in result.stderr
    assert "orders/export.parquet: not a readable Parquet file" in result.stderr
    assert not (published / "serving.duckdb.lock").exists()


READER = textwrap.dedent("""
    import json, os, sys, time, duckdb
    served, exports, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    deadline = time.monotonic() + 900  # the stop file ends it; this only bounds a lost test
    while not os.path.exists(stop) and time.monotonic() < deadline:
        try:
            with duckdb.connect(served, read_only=True) as c:
                people = c.execute("select count(*) from marts.dim_people").fetchall()[0][0]
                orders = c.execute("select sum(orders) from marts.mart_cohort_ltv where acquisition_channel = 'all'").fetchall()[0][0]
            version = os.path.realpath(os.path.join(exports, "marts"))
            files = duckdb.sql(f"select count(*) from read_parquet('{version}/dim_people.parquet')").fetchall()[0][0]
            print(json.dumps({"served": [people, int(orders)], "parquet_people": files}), flush=True)
        except Exception as error:
            print(json.dumps({"error": repr(error)}), flush=True)
        time.sleep(0.2)  # often enough to catch the swap, rarely enough to leave the refresh its core
""")


def test_readers_see_old_or_new_marts_never_a_mix(published: Path, tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published / "serving.duckdb"),
                               str(published / "exports"), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        result = refresh(published, store_with(tmp_path, "v2", NEW_ORDER))
        assert result.returncode == 0, result.stderr[-2000:]
        time.sleep(1.0)
    finally:
        stop.write_text("stop")
        output, _ = reader.communicate(timeout=60)
    observations = [json.loads(line) for line in output.splitlines()]
    assert observations and not [o for o in observations if "error" in o]
    # v1: 8 people and 8 valid orders; v2 adds customer cZ and its order
    assert {tuple(o["served"]) for o in observations} == {(8, 8), (9, 9)}
    assert {o["parquet_people"] for o in observations} <= {8, 9}
    assert observations[-1]["served"] == [9, 9] and observations[-1]["parquet_people"] == 9

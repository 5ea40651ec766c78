"""scripts/bench.py on a tiny store: it runs, writes a result with every field, and its floor's
per-person order figures and the pandas peer's levels and cohort LTV are the ones the project
computes (so both measure the same work)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, timed_build

sys.path.insert(0, str(REPO_ROOT / "scripts"))
from bench import PEOPLE_FLOOR_SQL, first_difference  # noqa: E402
from pandas_peer import compute as peer_figures  # noqa: E402

MEASURE = {"wall_s", "cpu_s", "peak_rss_mb"}


@pytest.fixture(scope="module")
def benched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    bench_dir = tmp_path_factory.mktemp("bench")
    with timed_build("bench.py 3k (generate, floor, pandas peer, empty, full and incremental builds)"):
        result = subprocess.run(
            [sys.executable, str(REPO_ROOT / "scripts" / "bench.py"), "--scales", "3k", "--runs", "1", "--no-docs",
             "--bench-dir", str(bench_dir)],
            capture_output=True, text=True, check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| events |" in result.stdout  # the Markdown table
    (written,) = (bench_dir / "results").glob("*-3000.json")
    return bench_dir, json.loads(written.read_text())


def test_result_has_every_field(benched: tuple[Path, dict]) -> None:
    _, result = benched
    assert set(result) == {"date", "events", "seed", "runs", "floor", "full_build", "pandas_peer", "fixed_cost",
                           "fixed_cost_cold_parse", "incremental_refresh", "incremental_rows_staged",
                           "incremental_over_full",
                           "events_per_second_full", "full_over_floor", "peer_over_full", "slowest_nodes",
                           "duckdb_memory_limit", "machine"}
    for measure in ("floor", "full_build", "pandas_peer", "fixed_cost", "fixed_cost_cold_parse", "incremental_refresh"):
        assert set(result[measure]) == MEASURE and all(result[measure][k] > 0 for k in MEASURE)
    assert result["runs"] == 1 and result["events"] > 2000
    assert result["full_over_floor"] == round(result["full_build"]["wall_s"] / result["floor"]["wall_s"], 1)
    assert result["peer_over_full"] > 0
    assert result["peer_over_full"] == round(result["pandas_peer"]["wall_s"] / result["full_build"]["wall_s"], 3)
    assert result["incremental_over_full"] == round(
        result["incremental_refresh"]["wall_s"] / result["full_build"]["wall_s"], 3)
    # the appended day's new events and orders, and nothing already stored
    staged = result["incremental_rows_staged"]
    assert set(staged) == {"stg_web__events", "stg_shop__orders"} and staged["stg_web__events"] > 0
    assert len(result["slowest_nodes"]) == 5 and all(set(n) == {"node", "seconds"} for n in result["slowest_nodes"])
    assert set(result["machine"]) == {"cores", "memory_gb", "python", "platform", "versions"}
    assert "dbt-duckdb 1.11.1" in result["machine"]["versions"]


def test_floor_per_person_order_figures_match_dim_people(benched: tuple[Path, dict]) -> None:
    bench_dir, result = benched
    # the working copy of the store, with the day appended before the incremental build
    raw = bench_dir / "work" / "raw"
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        floor = {("customer:" + person, valid, first, last)
                 for person, _, _, _, valid, first, last, _ in connection.execute(
                     PEOPLE_FLOOR_SQL.format(raw=raw)).fetchall() if valid}
        connection.execute(f"attach '{bench_dir / 'work' / 'full' / 'bench.duckdb'}' as built (read_only)")
        project = set(connection.execute(
            "select person_id, valid_order_count, first_order_at, last_order_at from built.marts.dim_people "
            "where valid_order_count > 0").fetchall())
    assert len(floor) > 10
    assert floor == project


def test_pandas_peer_levels_and_cohort_ltv_match_the_marts(benched: tuple[Path, dict]) -> None:
    """The peer on the working copy of the store (with the appended day) gives the kept warehouse's
    people per level and 'all'-channel cohort LTV, to the cent."""
    bench_dir, _ = benched
    peer = peer_figures(bench_dir / "work" / "raw")
    with duckdb.connect(str(bench_dir / "work" / "full" / "bench.duckdb"), read_only=True) as connection:
        levels = {str(level): count for level, count in connection.execute(
            "select level_number, count(*) from marts.dim_people where level_number is not null "
            "group by level_number").fetchall()}
        (as_of,) = connection.execute("select distinct as_of_date from marts.dim_people").fetchone()
        cohorts = connection.execute(
            "select cohort_month, months_since_first_order, cohort_size, active_customers, orders, net_revenue, "
            "cumulative_net_revenue, ltv_per_customer, retention_rate from marts.mart_cohort_ltv "
            "where acquisition_channel = 'all' order by cohort_month, months_since_first_order").fetchall()
    assert peer["as_of_date"] == as_of.isoformat()
    assert peer["people_per_level"] == levels and set(levels) == {"2", "3", "4", "5", "6"}
    assert len(peer["cohort_ltv"]) == len(cohorts) > 10
    for mine, (month, months, size, active, orders, net, cumulative, ltv, retention) in zip(peer["cohort_ltv"], cohorts):
        assert mine == {"cohort_month": month.isoformat(), "months_since_first_order": months, "cohort_size": size,
                        "active_customers": active, "orders": orders, "net_revenue_cents": int(net * 100),
                        "cumulative_net_revenue_cents": int(cumulative * 100),
                        "ltv_per_customer_cents": int(ltv * 100), "retention_rate": pytest.approx(retention)}


def test_first_difference_names_the_first_figure_that_differs() -> None:
    row = {"cohort_month": "2025-01-01", "months_since_first_order": 0, "cohort_size": 2, "active_customers": 2,
           "orders": 3, "net_revenue_cents": 1000, "cumulative_net_revenue_cents": 1000,
           "ltv_per_customer_cents": 500, "retention_rate": 1.0}
    build = {"as_of_date": "2025-01-31", "people_per_level": {"2": 5, "3": 1, "4": 2, "5": 0, "6": 0},
             "cohort_ltv": [row]}
    assert first_difference(build, build) is None
    assert first_difference({**build, "people_per_level": {**build["people_per_level"], "3": 2}}, build) == \
        "people on level 3: peer 2, build 1"
    assert first_difference({**build, "cohort_ltv": [{**row, "orders": 4}]}, build) == \
        "cohort 2025-01-01 month 0 orders: peer 4, build 3"
    assert first_difference({**build, "cohort_ltv": []}, build) == "cohort 2025-01-01 month 0: only in the build"


def test_bench_stops_when_the_peer_differs_from_the_build(benched: tuple[Path, dict],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The kept store without the appended day against the warehouse built with it: the bench
    refuses to time the two, naming the first difference."""
    import bench

    bench_dir, _ = benched
    monkeypatch.setattr(bench, "BENCH", bench_dir)
    (store,) = (bench_dir / "data").glob("*/raw")
    with pytest.raises(SystemExit, match="differ from the full build's marts: as-of date: peer"):
        bench.bench_peer(store, bench_dir / "work" / "full" / "bench.duckdb", runs=1)


def test_incremental_build_staged_exactly_the_new_day(benched: tuple[Path, dict]) -> None:
    """The day's files hold new events and orders and re-deliveries of recent ones: only the new keys
    are staged."""
    bench_dir, result = benched
    raw = bench_dir / "work" / "raw"
    with duckdb.connect() as connection:
        new = {
            table: connection.execute(
                f"select count(distinct {key}) from read_parquet('{raw}/{source}/**/day-*.parquet') "
                f"where {key} not in (select {key} from read_parquet('{raw}/{source}/**/part-*.parquet'))").fetchone()[0]
            for table, source, key in (("stg_web__events", "events", "event_id"),
                                       ("stg_shop__orders", "orders", "order_id"))
        }
        redelivered = connection.execute(
            f"select count(*) from read_parquet('{raw}/events/**/day-*.parquet') "
            f"where event_id in (select event_id from read_parquet('{raw}/events/**/part-*.parquet'))").fetchone()[0]
    assert redelivered > 0 and new["stg_web__events"] > 0
    assert result["incremental_rows_staged"] == new

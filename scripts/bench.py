"""Benchmark the full build against a floor, at chosen scales of the demo store.

For each scale (events): generate the store once (kept under bench/data/, keyed by scale and seed),
then measure, as the median of --runs runs: the floor (one hand-written DuckDB query that reads
every event and order once and computes per-person counts, first/last timestamps and net
revenue), the full `dbt build --full-refresh`, the pandas peer (scripts/pandas_peer.py: people per
level and cohort LTV as a plain pandas notebook computes them, its figures checked equal to the
build's marts, the bench failing if they differ) and dbt's fixed cost (the same build on an empty
store, into a new DuckDB file with the target path of a first such build kept, as a scheduled refresh
keeps dbt's partial parse; that first build, which parses the whole project, is kept as the cold
figure); and once, the incremental `dbt build` after the next day is appended (to a hard-linked
copy of the store, so the kept store never changes). Each is a child process measured with wait4: wall time, CPU time, peak memory. Prints a
Markdown table, writes bench/results/<date>-<scale>.json and updates docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
from build import REFRESH_EXCLUDES  # noqa: E402  (the scheduled refresh's dbt build, measured as it runs)
BENCH = REPO_ROOT / "bench"
EVENTS_PER_VISITOR = 5.75  # what the generator produces on average

log = logging.getLogger("bench")

PEOPLE_FLOOR_SQL = """
with events as (
    select coalesce(customer_id, anonymous_id) as person, count(*) as events,
           min(occurred_at) as first_at, max(occurred_at) as last_at
    from read_parquet('{raw}/events/**/*.parquet', hive_partitioning = false)
    group by 1
),
orders as (
    select distinct order_id, customer_id, ordered_at, amount, status
    from read_parquet('{raw}/orders/**/*.parquet', hive_partitioning = false)
),
refunds as (
    select order_id, sum(amount) as refunded
    from (select distinct refund_id, order_id, amount from read_parquet('{raw}/refunds/**/*.parquet'))
    group by 1
),
buyers as (
    select o.customer_id as person, count(*) as valid_orders, min(o.ordered_at) as first_order_at,
           max(o.ordered_at) as last_order_at, sum(o.amount - coalesce(r.refunded, 0)) as net_amount
    from orders as o
    left join refunds as r using (order_id)
    where o.status = 'completed' and not coalesce(r.refunded > 0 and r.refunded >= o.amount, false)
    group by 1
)
select person, events, first_at, last_at, valid_orders, first_order_at, last_order_at, net_amount
from events full outer join buyers using (person)
"""
# The floor as timed: the per-person figures above, computed in full and reduced to one row so that
# fetching them costs nothing.
FLOOR_SQL = "select count(*), sum(events), sum(valid_orders), sum(net_amount) from (" + PEOPLE_FLOOR_SQL + ")"


@dataclass
class Measure:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


def parse_scale(text: str) -> int:
    units = {"k": 1_000, "m": 1_000_000}
    text = text.strip().lower()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def measured(command: list[str], env: dict[str, str] | None = None) -> Measure:
    """Run a child to completion; its wall time, CPU time and peak memory (wait4)."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(command[:3])} failed: {process.stderr.read().decode()[-500:]}")
    return Measure(round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2), round(usage.ru_maxrss / 1024, 1))


def median(measures: list[Measure]) -> Measure:
    return Measure(*(round(statistics.median(getattr(m, f) for m in measures), 2)
                     for f in ("wall_s", "cpu_s", "peak_rss_mb")))


def store_for(events: int, seed: int) -> Path:
    raw = BENCH / "data" / f"{events}-{seed}" / "raw"
    if not (raw / "_COMPLETE").exists():
        log.info("generating %s events (seed %s) into %s", f"{events:,}", seed, raw)
        subprocess.run([sys.executable, str(SCRIPTS / "generate_data.py"), "--out", str(raw), "--overwrite",
                        "--visitors", str(max(1, int(events / EVENTS_PER_VISITOR))), "--seed", str(seed)],
                       check=True)
    return raw


def dbt_build(raw: Path, work: Path, full_refresh: bool = True,
              dbt_vars: dict[str, object] | None = None, keep_parse: bool = False) -> tuple[Measure, list[dict]]:
    """A dbt build into work/bench.duckdb, as a scheduled refresh runs it (REFRESH_EXCLUDES): a full
    one into a new file, or incremental on the one there. A full one starts from a new target path
    (dbt parses the whole project) unless keep_parse, which keeps work/target and its partial parse."""
    if full_refresh and keep_parse:
        for stale in work.glob("bench.duckdb*"):
            stale.unlink()
    elif full_refresh:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(work / "bench.duckdb"), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    command = [str(Path(sys.executable).with_name("dbt")), "build", *(["--full-refresh"] if full_refresh else []),
               *REFRESH_EXCLUDES,
               "--vars", json.dumps({"raw_data_dir": str(raw), **(dbt_vars or {})}), "--target-path", str(work / "target"),
               "--log-path", str(work / "logs")]
    result = measured(command, env)
    timings = json.loads((work / "target" / "run_results.json").read_text())["results"]
    slowest = sorted(({"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in timings),
                     key=lambda r: -r["seconds"])[:5]
    return result, slowest


def project_figures(warehouse: Path) -> dict:
    """The build's figures the pandas peer computes: people per level (dim_people) and the 'all'
    rows of mart_cohort_ltv, in the peer's shape (money in cents)."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        as_of = connection.execute("select max(as_of_date) from marts.dim_people").fetchone()[0]
        levels = dict(connection.execute(
            "select level_number, count(*) from marts.dim_people where level_number is not null "
            "group by level_number").fetchall())
        columns = ["cohort_month", "months_since_first_order", "cohort_size", "active_customers", "orders",
                   "net_revenue_cents", "cumulative_net_revenue_cents", "ltv_per_customer_cents", "retention_rate"]
        rows = connection.execute(
            "select strftime(cohort_month, '%Y-%m-%d'), months_since_first_order, cohort_size, active_customers, "
            "orders, cast(net_revenue * 100 as bigint), cast(cumulative_net_revenue * 100 as bigint), "
            "cast(ltv_per_customer * 100 as bigint), retention_rate "
            "from marts.mart_cohort_ltv where acquisition_channel = 'all' "
            "order by cohort_month, months_since_first_order").fetchall()
    return {"as_of_date": as_of.isoformat() if as_of else None,
            "people_per_level": {str(level): levels.get(level, 0) for level in range(2, 7)},
            "cohort_ltv": [dict(zip(columns, row)) for row in rows]}


def first_difference(peer: dict, project: dict) -> str | None:
    """The first figure on which the pandas peer and the build disagree, in words; None when equal."""
    if peer["as_of_date"] != project["as_of_date"]:
        return f'as-of date: peer {peer["as_of_date"]}, build {project["as_of_date"]}'
    for level, count in project["people_per_level"].items():
        if peer["people_per_level"].get(level) != count:
            return f'people on level {level}: peer {peer["people_per_level"].get(level)}, build {count}'
    peer_rows = {(r["cohort_month"], r["months_since_first_order"]): r for r in peer["cohort_ltv"]}
    project_rows = {(r["cohort_month"], r["months_since_first_order"]): r for r in project["cohort_ltv"]}
    for key in sorted(peer_rows.keys() | project_rows.keys()):
        where = f"cohort {key[0]} month {key[1]}"
        if key not in peer_rows or key not in project_rows:
            return f'{where}: only in the {"build" if key in project_rows else "peer"}'
        for column, value in project_rows[key].items():
            mine = peer_rows[key].get(column)
            same = math.isclose(mine, value, rel_tol=1e-12) if isinstance(value, float) else mine == value
            if not same:
                return f"{where} {column}: peer {mine}, build {value}"
    return None


def bench_peer(raw: Path, warehouse: Path, runs: int) -> Measure:
    """The pandas peer on the store, median of runs; stops the bench when its figures are not the
    build's (the ratio would compare different work)."""
    out = BENCH / "work" / "pandas_peer.json"
    measures = []
    for run in range(runs):
        log.info("pandas peer %d/%d", run + 1, runs)
        measures.append(measured([sys.executable, str(SCRIPTS / "pandas_peer.py"), str(raw), "--out", str(out)]))
    difference = first_difference(json.loads(out.read_text()), project_figures(warehouse))
    if difference:
        raise SystemExit(f"bench: the pandas peer's figures differ from the full build's marts: {difference}")
    return median(measures)


def linked_copy(raw: Path, target: Path) -> Path:
    """The store's files hard-linked under target (instant, no space); the marker copied, as a new
    day appends to it."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(raw, target, copy_function=os.link)
    marker = target / "_COMPLETE"
    marker.unlink()
    shutil.copy(raw / "_COMPLETE", marker)
    return target


def rows_staged(work: Path) -> dict[str, int]:
    """Rows the last build in work/ wrote to each incremental staging model."""
    invocation = json.loads((work / "target" / "run_results.json").read_text())["metadata"]["invocation_id"]
    import duckdb

    with duckdb.connect(str(work / "bench.duckdb"), read_only=True) as connection:
        return {table: connection.execute(f"select count(*) from staging.{table} where staged_in_invocation = ?",
                                          [invocation]).fetchone()[0]
                for table in ("stg_web__events", "stg_shop__orders")}


def bench_scale(events: int, seed: int, runs: int) -> dict:
    store = store_for(events, seed)
    raw = linked_copy(store, BENCH / "work" / "raw")
    actual_events = int(subprocess.run(
        [sys.executable, "-c", f"import duckdb; print(duckdb.sql(\"select count(*) from read_parquet('{raw}/events/**/*.parquet')\").fetchall()[0][0])"],
        capture_output=True, text=True, check=True).stdout)
    floor = median([measured([sys.executable, "-c", f"import duckdb; duckdb.sql({FLOOR_SQL.format(raw=raw)!r}).fetchall()"])
                    for _ in range(runs)])
    builds, slowest = [], []
    for run in range(runs):
        log.info("full build %d/%d at %s events", run + 1, runs, f"{actual_events:,}")
        measure, slowest = dbt_build(raw, BENCH / "work" / "full")
        builds.append(measure)
    full = median(builds)
    peer = bench_peer(raw, BENCH / "work" / "full" / "bench.duckdb", runs)
    log.info("appending a day, then an incremental build")
    subprocess.run([sys.executable, str(SCRIPTS / "generate_data.py"), "--append-day", "--out", str(raw),
                    "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incremental, _ = dbt_build(raw, BENCH / "work" / "full", full_refresh=False)
    staged = rows_staged(BENCH / "work" / "full")
    empty = BENCH / "work" / "empty_raw"
    empty.mkdir(parents=True, exist_ok=True)
    # the first build parses the project (a new target path); the measured ones keep its parse, as
    # the scheduled refresh does between runs (the same vars, DuckDB path and target path)
    fixed_cold, _ = dbt_build(empty, BENCH / "work" / "fixed")
    fixed = median([dbt_build(empty, BENCH / "work" / "fixed", keep_parse=True)[0] for _ in range(runs)])
    return {
        "date": dt.date.today().isoformat(), "events": actual_events, "seed": seed, "runs": runs,
        "floor": asdict(floor), "full_build": asdict(full), "pandas_peer": asdict(peer), "fixed_cost": asdict(fixed),
        "fixed_cost_cold_parse": asdict(fixed_cold),
        "incremental_refresh": asdict(incremental), "incremental_rows_staged": staged,
        "incremental_over_full": round(incremental.wall_s / full.wall_s, 3) if full.wall_s else None,
        "events_per_second_full": round(actual_events / full.wall_s) if full.wall_s else None,
        "full_over_floor": round(full.wall_s / floor.wall_s, 1) if floor.wall_s else None,
        # above 1: our full build is faster than the pandas peer (issue #18's target: at least 2)
        "peer_over_full": round(peer.wall_s / full.wall_s, 3) if full.wall_s else None,
        "slowest_nodes": slowest,
        "duckdb_memory_limit": os.environ.get("CUSTOMER_LEVELS_DUCKDB_MEMORY_LIMIT", "3GB"),
        "machine": {"cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "python": platform.python_version(), "platform": platform.platform(),
                    "versions": tool_versions()},
    }


def bench_ga4(events: int, seed: int, runs: int, contract_full: Measure) -> dict:
    """The same store's web events as a GA4 export (scripts/formats_web.py; orders stay in the
    contract): the median full build, and its cost over the contract's (issue #16: at most 1.25)."""
    from formats_web import convert_store

    store = store_for(events, seed)
    ga4_raw = store.parent / "ga4_raw"
    if not (ga4_raw / "_COMPLETE").exists():
        shutil.rmtree(ga4_raw, ignore_errors=True)
        convert_store(store, ga4_raw, "ga4")
        shutil.copy(store / "_COMPLETE", ga4_raw / "_COMPLETE")
    builds = []
    for run in range(runs):
        log.info("GA4 full build %d/%d", run + 1, runs)
        measure, _ = dbt_build(ga4_raw, BENCH / "work" / "ga4", dbt_vars={"web_source": "ga4"})
        builds.append(measure)
    full = median(builds)
    return {"full_build": asdict(full),
            "over_contract": round(full.wall_s / contract_full.wall_s, 3) if contract_full.wall_s else None}


def tool_versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{name} {version(name)}" for name in ("dbt-core", "dbt-duckdb", "duckdb"))


def markdown(results: list[dict]) -> str:
    lines = ["| events | date | runs | floor s | full build s | full / floor | pandas peer s | peer / full | incremental s "
             "| incremental / full | fixed cost s | events/s | peak memory MB | DuckDB memory_limit | CPU s "
             "| GA4 full build s (/ contract) |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"]
    for r in results:
        incremental = r.get("incremental_refresh") or {}
        lines.append(f'| {r["events"]:,} | {r["date"]} | {r["runs"]} | {r["floor"]["wall_s"]} | {r["full_build"]["wall_s"]} | '
                     f'{r["full_over_floor"]} | {peer_cell(r)} | {incremental.get("wall_s", "-")} | {r.get("incremental_over_full") or "-"} | '
                     f'{fixed_cell(r)} | {r["events_per_second_full"]:,} | '
                     f'{r["full_build"]["peak_rss_mb"]:,} | {r.get("duckdb_memory_limit", "3GB")} | '
                     f'{r["full_build"]["cpu_s"]} | {ga4_cell(r)} |')
    return "\n".join(lines)


def fixed_cell(result: dict) -> str:
    """The fixed cost with the parse kept, and the cold one (a whole parse); older results hold only
    the cold one, unit tests included."""
    cold = result.get("fixed_cost_cold_parse")
    return f'{result["fixed_cost"]["wall_s"]} (cold {cold["wall_s"]})' if cold else str(result["fixed_cost"]["wall_s"])


def peer_cell(result: dict) -> str:
    """The pandas peer's wall time and its ratio to the full build; '- | -' for results before it."""
    peer = result.get("pandas_peer")
    return f'{peer["wall_s"]} | {result["peer_over_full"]}' if peer else "- | -"


def ga4_cell(result: dict) -> str:
    ga4 = result.get("ga4")
    return f'{ga4["full_build"]["wall_s"]} ({ga4["over_contract"]})' if ga4 else "-"


def latest_results() -> list[dict]:
    """The newest stored result of every scale, smallest scale first."""
    newest: dict[int, dict] = {}
    for path in sorted((BENCH / "results").glob("*.json")):
        result = json.loads(path.read_text())
        if result["events"] not in newest or result["date"] >= newest[result["events"]]["date"]:
            newest[result["events"]] = result
    return [newest[events] for events in sorted(newest)]


def write_docs() -> None:
    results = latest_results()
    machine = results[-1]["machine"]
    (REPO_ROOT / "docs" / "benchmarks.md").write_text(
        "# Benchmarks\n\nThe newest `make bench` (scripts/bench.py) result of each scale, medians of `runs` runs, "
        f'on {machine["cores"]} cores, {machine["memory_gb"]} GB, Python {machine["python"]}, '
        f'{machine.get("versions") or tool_versions()}, {machine["platform"]}.'
        f"\n\n{markdown(results)}\n\n"
        "The floor is one DuckDB query reading every event and order once (per-person counts, first and "
        "last timestamps, net revenue): the least work any implementation must do. The fixed cost is the same "
        "build on an empty store (dbt's own work: ~250 nodes, connections, and parsing) into a new DuckDB file, "
        "measured as a scheduled refresh runs it: the target path, and so dbt's partial parse, kept from a first "
        "build; in brackets that first build (\"cold\": the whole project parsed, as a first run or a changed "
        "project pays). In such rows every build leaves out dbt's unit tests, as the refresh does (they run in "
        "`make test`). A row whose fixed cost is one figure was measured before that (issue #18): the figure is "
        "the cold one, and every build of the row ran the unit tests. Peak memory is the "
        "build process's (DuckDB runs in it). Incremental: one `dbt build` (models and tests) after "
        "`generate_data.py --append-day` on the fully built file, a single run (\"-\": measured before "
        "incremental staging existed). The pandas peer (`scripts/pandas_peer.py`, issue #18): people per "
        "level and cohort LTV computed from the same Parquet files by plain notebook-style pandas, its figures "
        "held equal to the build's marts in the same run; peer / full above 1 means the build is faster (\"-\": "
        "measured before the peer existed). GA4 (`make bench GA4=1`): the same store's web events written as a GA4 "
        "export (`scripts/formats_web.py`), full build, and its time over the contract's full build (\"-\": "
        "not measured).\n")


def main(argv: list[str] | None = None) -> int:
    global BENCH  # every helper reads the bench directory chosen on the command line
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1M", help="comma-separated event counts, e.g. 1M,10M (default: 1M)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default: 42)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure; the median is reported (default: 3)")
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--bench-dir", type=Path, default=REPO_ROOT / "bench",
                        help="where stores, work and results go (default: %(default)s)")
    parser.add_argument("--docs-only", action="store_true",
                        help="only rewrite docs/benchmarks.md from the stored results (no measuring)")
    parser.add_argument("--ga4", action="store_true",
                        help="also build the same store written as a GA4 export and report its cost over the contract's")
    args = parser.parse_args(argv)
    BENCH = args.bench_dir.resolve()
    if args.docs_only:
        write_docs()
        return 0
    try:
        scales = [parse_scale(s) for s in args.scales.split(",")]
    except (ValueError, KeyError):
        log.error("--scales takes counts like 1M,10M or 250k, got %r", args.scales)
        return 2
    results = []
    for events in scales:
        result = bench_scale(events, args.seed, args.runs)
        if args.ga4:
            result["ga4"] = bench_ga4(events, args.seed, args.runs, Measure(**result["full_build"]))
        results.append(result)
        out = BENCH / "results" / f'{result["date"]}-{events}.json'
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
        log.info("wrote %s", out)
    table = markdown(results)
    print(table)
    if not args.no_docs:
        write_docs()
    return 0


if __name__ == "__main__":
    sys.exit(main())

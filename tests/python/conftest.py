"""Build the real dbt project on small raw stores written from the CSV fixtures beside these tests.

A fixture directory holds one CSV per source (events.csv, orders.csv, ...). Each is written as
Parquet under <raw>/<source>/, typed by the contract in the sources YAML; an optional `_file`
column spreads the rows over several files (Hive-style paths allowed), as real deliveries are.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
from contract import raw_sources  # noqa: E402
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# dbt's unit tests check rules on inline rows, whatever store is built: they run in one build
# (the marts_store fixture, test_marts.py checks they ran) instead of in every one. The variable
# reaches every dbt the tests start, through build.py and refresh.py too.
os.environ["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
# dbt's debug log file costs about a tenth of a small build's time and nobody reads it here: the
# output the tests keep (and print on failure) is dbt's console log. A test that inspects the
# file sets DBT_LOG_LEVEL_FILE itself.
os.environ["DBT_LOG_LEVEL_FILE"] = "none"
# As the Makefile does: with PYTHONDONTWRITEBYTECODE set, every build would compile dbt's modules again.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
# Expected person ids are computed with the documented demo key (person_hashes.py): a key or a
# production flag in the caller's environment must not reach the builds; tests that need them set them.
for variable in ("CUSTOMER_LEVELS_HASH_KEY", "CUSTOMER_LEVELS_ENV"):
    os.environ.pop(variable, None)
# Each build's wall time, one JSON line a build, printed at the end of the run (slowest first).
BUILD_TIMES_ENV = "CUSTOMER_LEVELS_TEST_BUILD_TIMES"
# The builds share one dbt parse (shared_parse/sitecustomize.py: dbt's partial parsing, keyed without
# the raw directory and the DuckDB file, which only execution reads).
SHARED_PARSE_DIR = Path(__file__).resolve().parent / "shared_parse"
PARSE_CACHE_ENV = "CUSTOMER_LEVELS_TEST_PARSE_CACHE"


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller: xdist workers inherit its environment
        run_dir = Path(tempfile.mkdtemp(prefix="customer_levels_tests_"))
        os.environ[BUILD_TIMES_ENV] = str(run_dir / "builds.jsonl")
        os.environ[PARSE_CACHE_ENV] = str(run_dir / "parse_cache")
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(SHARED_PARSE_DIR), os.environ.get("PYTHONPATH")]))


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and os.environ.get(PARSE_CACHE_ENV):
        # the run's directory (parse cache and build times, a few MB), after the summary has read it
        shutil.rmtree(Path(os.environ[PARSE_CACHE_ENV]).parent, ignore_errors=True)


# Modules with the most builds, handed to the workers first: xdist gives out whole modules in
# collection order, and a long module started last leaves the other worker idle at the end.
HEAVIEST_MODULES = ("test_incremental.py", "test_make_run.py", "test_refresh.py", "test_quality.py",
                    "test_sources_orders.py", "test_refresh_own_stores.py", "test_sources_web.py", "test_bench.py",
                    "test_person_ids.py", "test_clv.py", "test_timezone.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return HEAVIEST_MODULES.index(name) if name in HEAVIEST_MODULES else len(HEAVIEST_MODULES)
    items.sort(key=rank)  # stable: the order within a module, and among the rest, is kept


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    log = Path(os.environ.get(BUILD_TIMES_ENV, "/nonexistent"))
    if hasattr(config, "workerinput") or not log.exists():
        return
    builds = sorted((json.loads(line) for line in log.read_text().splitlines()), key=lambda b: -b["seconds"])
    terminalreporter.section(f"{len(builds)} builds, {sum(b['seconds'] for b in builds):.0f} s in all")
    for build in builds:
        terminalreporter.write_line(f"{build['seconds']:7.1f} s  {build['label']}")


@contextmanager
def timed_build(label: str) -> Iterator[None]:
    """Time one build (dbt, build.py, refresh.py or bench.py) into the run's build log."""
    started = time.monotonic()
    try:
        yield
    finally:
        log = os.environ.get(BUILD_TIMES_ENV)
        if log:
            with open(log, "a") as handle:
                handle.write(json.dumps({"label": label, "seconds": round(time.monotonic() - started, 1)}) + "\n")


def contract_types() -> dict[str, dict[str, str]]:
    """{raw_dir: {column: data_type}} from the sources YAML files."""
    return {directory: {c.name: c.data_type for c in source.columns} for directory, source in raw_sources().items()}


def write_raw_store(fixture: Path, raw_dir: Path) -> Path:
    types = contract_types()
    connection = duckdb.connect()
    for csv_path in sorted(fixture.glob("*.csv")):
        source = csv_path.stem
        columns = types[source]
        header = csv_path.read_text().splitlines()[0].split(",")
        rows = connection.execute(
            f"select * from read_csv('{csv_path}', all_varchar = true, header = true)"
        )
        names = [d[0] for d in rows.description]
        data = rows.fetchall()
        files = sorted({row[names.index("_file")] for row in data}) if "_file" in header else ["part-0.parquet"]
        for file_name in files:
            target = raw_dir / source / file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            where = f"where _file = '{file_name}'" if "_file" in header else ""
            casts = ", ".join(
                # a value that cannot be cast arrives as null, as a broken export would deliver it
                f"try_cast(nullif({name}, '') as {columns[name]}) as {name}" if columns.get(name) != "string"
                else f"{name}" for name in names if name != "_file"
            )
            connection.execute(
                f"copy (select {casts} from read_csv('{csv_path}', all_varchar = true, header = true) {where}) "
                f"to '{target}' (format parquet)"
            )
    return raw_dir


@dataclass
class Build:
    """A finished dbt build of one raw store into its own DuckDB file."""

    database: Path
    result: subprocess.CompletedProcess[str]

    @property
    def output(self) -> str:
        return self.result.stdout + self.result.stderr

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.rows(sql)[0][0]


def marts_only_file(built: Path, target: Path) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file holding only a `marts` schema, open for the caller to fill from `built`.

    Like the served file readers get; the caller copies the marts it needs and may tamper."""
    connection = duckdb.connect(str(target))
    connection.execute(f"attach '{built}' as built (read_only)")
    connection.execute("create schema marts")
    return connection


def build_project(raw_dir: Path, work_dir: Path, unit_tests: bool = False, select: tuple[str, ...] = (),
                  **dbt_vars: object) -> Build:
    """`dbt build` of the raw store into work_dir's DuckDB file: the whole project, or only `select`
    (dbt selectors) when a test reads no further than those models."""
    database = work_dir / "warehouse.duckdb"
    env = {
        **os.environ,
        "CUSTOMER_LEVELS_DB": str(database),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
    }
    if unit_tests:
        env.pop("DBT_EXCLUDE_RESOURCE_TYPES", None)
    command = [
        str(Path(sys.executable).with_name("dbt")), "build",
        "--vars", json.dumps({"raw_data_dir": str(raw_dir), **dbt_vars}),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
        # cautious: a test is run only when every model it reads is selected (a seed's relationship
        # test to a seed outside the selection would fail on the missing table)
        *(["--select", *select, "--indirect-selection", "cautious"] if select else []),
    ]
    with timed_build(f"dbt build {work_dir.name} {json.dumps(dbt_vars) if dbt_vars else ''}".strip()):
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    return Build(database=database, result=result)


def build_fixture(name: str, tmp_path_factory: pytest.TempPathFactory, unit_tests: bool = False,
                  **dbt_vars: object) -> Build:
    work_dir = tmp_path_factory.mktemp(name)
    raw_dir = write_raw_store(FIXTURES / name, work_dir / "raw")
    build = build_project(raw_dir, work_dir, unit_tests=unit_tests, **dbt_vars)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


def shared_across_workers(name: str, tmp_path_factory: pytest.TempPathFactory, make: Callable[[Path], Build]) -> Build:
    """Build once per test run, whichever xdist worker asks first; the others wait and read the same file.

    The builds it shares are only read by the tests (read-only connections, copies)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, above each worker's own
    work_dir = root / f"shared_{name}"
    done = work_dir / "build.json"
    with open(root / f"shared_{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            work_dir.mkdir(exist_ok=True)
            build = make(work_dir)
            done.write_text(json.dumps({"stdout": build.result.stdout, "stderr": build.result.stderr,
                                        "returncode": build.result.returncode}))
    recorded = json.loads(done.read_text())
    result = subprocess.CompletedProcess([], recorded["returncode"], recorded["stdout"], recorded["stderr"])
    return Build(database=work_dir / "warehouse.duckdb", result=result)


def shared_fixture_build(name: str, tmp_path_factory: pytest.TempPathFactory, unit_tests: bool = False) -> Build:
    """build_fixture, once per run for every worker (fixtures several modules read)."""
    def make(work_dir: Path) -> Build:
        return build_project(write_raw_store(FIXTURES / name, work_dir / "raw"), work_dir, unit_tests=unit_tests)
    build = shared_across_workers(name, tmp_path_factory, make)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


@pytest.fixture(scope="session")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A store that exports only orders/ (fixtures/orders_only), shared by several test modules."""
    return shared_fixture_build("orders_only", tmp_path_factory)


@pytest.fixture(scope="session")
def marts_store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The three-month hand-worked store (fixtures/marts_store), shared by several test modules.

    The one build that also runs dbt's unit tests (test_marts.py checks every one ran and passed)."""
    return shared_fixture_build("marts_store", tmp_path_factory, unit_tests=True)


@pytest.fixture(scope="session")
def levels_store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The dozen hand-worked people (fixtures/levels_store), built through scripts/build.py, whose
    output (dbt's, then the rows of warning tests) test_levels_store.py and test_report.py read."""
    def make(work_dir: Path) -> Build:
        raw_dir = write_raw_store(FIXTURES / "levels_store", work_dir / "raw")
        env = {**os.environ, "CUSTOMER_LEVELS_DB": str(work_dir / "warehouse.duckdb"),
               "DBT_TARGET_PATH": str(work_dir / "target"), "DBT_LOG_PATH": str(work_dir / "logs")}
        with timed_build("build.py levels_store"):
            result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "build.py"), "--raw-dir", str(raw_dir)],
                                    cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
        return Build(database=work_dir / "warehouse.duckdb", result=result)
    build = shared_across_workers("levels_store", tmp_path_factory, make)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


@pytest.fixture(scope="session")
def cdnow_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The whole project on the CDNOW sample as a store's orders, as of the calibration end 1997-09-30
    (test_clv.py), shared by test_clv.py and test_report.py (the report's validation section with a fit)."""
    from test_clv import cdnow_transactions  # the data ship in the lifetimes wheel test_clv.py fetches

    def make(work_dir: Path) -> Build:
        fixture = work_dir / "fixture"
        fixture.mkdir(exist_ok=True)
        lines = ["order_id,customer_id,email,ordered_at,currency,amount,status,loaded_at"]
        for number, line in enumerate(cdnow_transactions()):
            _, customer, day, _, value = line.split()
            stamp = f"{day[:4]}-{day[4:6]}-{day[6:]}"
            lines.append(f"cd{number},{customer},,{stamp} 12:00:00,USD,{value},completed,{stamp} 13:00:00")
        (fixture / "orders.csv").write_text("\n".join(lines) + "\n")
        return build_project(write_raw_store(fixture, work_dir / "raw"), work_dir, as_of_date="1997-09-30")
    build = shared_across_workers("cdnow", tmp_path_factory, make)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A raw directory that does not exist: every source an empty table (test_raw_contract.py, test_report.py)."""
    def make(work_dir: Path) -> Build:
        return build_project(work_dir / "no_such_dir", work_dir)
    return shared_across_workers("empty_store", tmp_path_factory, make)


@pytest.fixture(scope="session")
def duplicate_delivery(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Five days of January 2025 delivered twice over (fixtures/duplicate_delivery), shared by modules."""
    return shared_fixture_build("duplicate_delivery", tmp_path_factory)

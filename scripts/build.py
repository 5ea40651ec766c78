"""Run `dbt build` on the project and, when a test fails, show the rows it found.

Before dbt, every raw Parquet and CSV file is checked (scripts/preflight.py): an unreadable file or one
missing a required column stops the run with one line naming it and exit code 2, and the
warehouse is left as it was.

dbt reports only a count for a failed test. Tests configured with store_failures (the fx-rate
check, for instance) keep their rows, and this wrapper prints the first of them, so the message
names the currency and month (or whatever the test returns) rather than "Got 48 results". Rows of
warn-severity tests that store them (an ad channel missing from seeds/marketing_channels.csv) are
printed as warnings: the build goes on and its exit code stays dbt's.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preflight import EXIT_FILE_FAULT, check_raw_store  # noqa: E402
from hash_key import HASH_KEY_VARIABLE, fingerprint, hash_key, hash_key_problem  # noqa: E402

log = logging.getLogger("build")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "warehouse.duckdb"
# DuckDB names the database after the file; a file named like a schema makes references ambiguous.
SCHEMA_NAMES = {"raw", "seeds", "staging", "intermediate", "marts", "audit", "main"}


def warehouse_path() -> Path:
    path = Path(os.environ.get("CUSTOMER_LEVELS_DB", DEFAULT_DB))
    return path if path.is_absolute() else REPO_ROOT / path


def published_or_working_database() -> Path:
    """The served file readers use ($CUSTOMER_LEVELS_SERVED_DB) when published, else the working file."""
    served = Path(os.environ.get("CUSTOMER_LEVELS_SERVED_DB", REPO_ROOT / "serving.duckdb"))
    return served if served.exists() else warehouse_path()


def raw_data_dir_var(raw_dir: Path) -> str:
    """The raw directory as dbt gets it: relative to the project when inside it (as the default
    `data/raw` of a plain `dbt build`, so both read the same file names), else absolute."""
    resolved = raw_dir.resolve()
    try:
        return str(resolved.relative_to(REPO_ROOT))
    except ValueError:
        return str(resolved)


def dbt_vars(raw_dir: Path | None, extra: dict[str, object]) -> str:
    values: dict[str, object] = dict(extra)
    if raw_dir is not None:
        values["raw_data_dir"] = raw_data_dir_var(raw_dir)
    return json.dumps(values)


INCREMENTAL_STAGING = ("staging.stg_web__events", "staging.stg_shop__orders")
# What a scheduled refresh leaves out of its dbt build: dbt's unit tests check rules on inline rows
# and give the same result on every store, so they run in `make test` (and `make build`), not in
# every refresh, as dbt recommends for production builds (docs/decisions.md, issue #18).
REFRESH_EXCLUDES = ("--exclude-resource-type", "unit_test")


def full_refresh_reason(database: Path, raw_dir: Path) -> str | None:
    """Why the incremental staging tables in `database` cannot take an incremental run, if they can't:
    they were read from another raw directory (the models refuse to merge two stores), or built by
    a version of the project without incremental staging (their columns differ)."""
    if not database.exists():
        return None
    prefixes = (raw_data_dir_var(raw_dir) + "/", str(raw_dir.resolve()) + "/")
    with duckdb.connect(str(database), read_only=True) as connection:
        for table in INCREMENTAL_STAGING:
            schema, name = table.split(".")
            columns = {row[0] for row in connection.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, name]).fetchall()}
            if not columns:  # never built
                continue
            if not {"staged_in_invocation", "hash_key_fingerprint"} <= columns:
                return f"{table} was built by an earlier version of the project"
            stored = connection.execute(f"select min(source_file) from {table}").fetchone()[0]
            if stored is not None and not stored.startswith(prefixes):
                return f"the warehouse was built from another raw store ({stored})"
            keys = connection.execute(f"select distinct hash_key_fingerprint from {table}").fetchall()
            if any(key != fingerprint(hash_key()) for key, in keys):
                return f"{table} was hashed with another {HASH_KEY_VARIABLE}"
    return None


def run_dbt(command: list[str]) -> int:
    env = {**os.environ, "DBT_PROFILES_DIR": os.environ.get("DBT_PROFILES_DIR", str(REPO_ROOT))}
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run([str(dbt), *command], cwd=REPO_ROOT, env=env, check=False).returncode


FAILED_STATUSES = ("fail", "error")
WARNED_STATUS = "warn"


def stored_test_results(target_dir: Path, statuses: tuple[str, ...], since: float = 0.0) -> list[tuple[str, str]]:
    """(test name, relation) of every test with one of `statuses` whose rows dbt stored, from a
    run_results.json written at or after `since` (epoch seconds)."""
    results_file = target_dir / "run_results.json"
    if not results_file.exists() or results_file.stat().st_mtime < since:
        return []
    results = json.loads(results_file.read_text())["results"]
    return [
        (result["unique_id"].split(".")[2], result["relation_name"])
        for result in results
        if result["status"] in statuses and result.get("relation_name")
        and result["unique_id"].startswith("test.")
    ]


def stored_failures(target_dir: Path, since: float = 0.0) -> list[tuple[str, str]]:
    """(test name, relation) of every failed test whose rows dbt stored."""
    return stored_test_results(target_dir, FAILED_STATUSES, since)


def stored_warnings(target_dir: Path, since: float = 0.0) -> list[tuple[str, str]]:
    """(test name, relation) of every warn-severity test that found rows and stored them."""
    return stored_test_results(target_dir, (WARNED_STATUS,), since)


def describe_failures(database: Path, failures: list[tuple[str, str]], limit: int = 10,
                      prefix: str = "") -> list[str]:
    lines: list[str] = []
    with duckdb.connect(str(database), read_only=True) as connection:
        for test_name, relation in failures:
            try:
                cursor = connection.execute(f"select * from {relation} order by all limit {limit}")
            except duckdb.Error as error:  # the test may have errored before storing anything
                lines.append(f"{test_name}: no stored rows ({error})")
                continue
            columns = [column[0] for column in cursor.description]
            lines.append(f"{prefix}{test_name} found:")
            lines.extend("  " + ", ".join(f"{c}={v}" for c, v in zip(columns, row)) for row in cursor.fetchall())
            total = connection.execute(f"select count(*) from {relation}").fetchone()[0]
            if total > limit:
                lines.append(f"  ... and {total - limit} more: select * from {relation}")
    return lines


def target_path() -> Path:
    """dbt's target directory ($DBT_TARGET_PATH, relative to the project), where run_results.json is."""
    target_dir = Path(os.environ.get("DBT_TARGET_PATH", REPO_ROOT / "target"))
    return target_dir if target_dir.is_absolute() else REPO_ROOT / target_dir


def log_stored_rows(database: Path, target_dir: Path, since: float = 0.0) -> None:
    """Print the stored rows of failed tests as errors and of warn-severity tests as warnings, from
    run_results.json if written at or after `since` (a run that crashed leaves an older one)."""
    if not database.exists():
        return
    for line in describe_failures(database, stored_failures(target_dir, since)):
        log.error(line)
    warnings = describe_failures(database, stored_warnings(target_dir, since), prefix="warning (the build goes on): ")
    for line in warnings:
        log.warning(line)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, help="directory following the raw contract (var raw_data_dir)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="another dbt var (repeatable), e.g. --var as_of_date=2025-06-30")
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="extra arguments for dbt build, after --")
    return parser.parse_args(argv)


def var_value(text: str) -> object:
    """A --var value as dbt should see it: JSON when it parses (false, 3, [7, 30]), else the text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args = parse_args(argv)
    extra: dict[str, object] = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep:
            log.error("--var takes NAME=VALUE, got %r", item)
            return 2
        extra[name] = var_value(value)
    problem = hash_key_problem()
    if problem:
        log.error("%s", problem)
        return 2
    if warehouse_path().stem.lower() in SCHEMA_NAMES:
        log.error("CUSTOMER_LEVELS_DB=%s: the file name must not be a schema name (%s)", warehouse_path(),
                  ", ".join(sorted(SCHEMA_NAMES)))
        return 2
    # File-level faults stop the run before dbt touches the warehouse.
    faults = check_raw_store(args.raw_dir, extra) if args.raw_dir is not None else []
    for fault in faults:
        log.error("raw file fault: %s", fault)
    if faults:
        return EXIT_FILE_FAULT
    dbt_args = [a for a in args.dbt_args if a != "--"]
    if args.raw_dir is not None and "--full-refresh" not in dbt_args:
        reason = full_refresh_reason(warehouse_path(), args.raw_dir)
        if reason is not None:
            log.warning("%s: full refresh", reason)
            dbt_args.append("--full-refresh")
    started = time.time() - 1.0  # a second's slack for file systems with coarse timestamps
    code = run_dbt(["build", "--vars", dbt_vars(args.raw_dir, extra), *dbt_args])
    log_stored_rows(warehouse_path(), target_path(), since=started)
    if code != 0:
        log.error("dbt build failed (exit %s): see the errors above", code)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""One scheduled refresh, write-audit-publish: build the working warehouse, audit it, and only
then publish the marts to the served DuckDB file and the Parquet exports, atomically.

Exit codes (for schedulers):
  0  published
  1  the build or the audit failed: the served marts are untouched, the working file keeps the
     failed build for inspection
  2  a raw file is unreadable or lacks a required column (nothing was built)
  3  another refresh holds the lock
Every run appends one JSON line to logs/refresh_runs.jsonl; the served file's refresh_runs
table holds every run up to its publication.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import duckdb

SCRIPTS = Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
from build import INCREMENTAL_STAGING, REFRESH_EXCLUDES, warehouse_path  # noqa: E402
from hash_key import hash_key_problem  # noqa: E402
from preflight import EXIT_FILE_FAULT, check_raw_store, parse_vars  # noqa: E402
from published_marts import marts_to_publish  # noqa: E402

log = logging.getLogger("refresh")

EXIT_FAILED = 1
# BI tools bundle DuckDB 1.x, which cannot open the default format of DuckDB 2.0: the served file is
# written in the oldest storage version they all read (docs/refresh-and-serving.md; tests/python/test_refresh.py).
SERVED_STORAGE_VERSION = "v1.0.0"
EXIT_LOCKED = 3


class RefreshFailed(Exception):
    """A step failed; the message is the one line a scheduler shows."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RefreshLocked(Exception):
    pass


@dataclass
class RunRecord:
    run_id: str
    started_at: str
    ended_at: str | None = None
    status: str = "running"
    reason: str | None = None
    as_of_date: str | None = None
    full_refresh: bool = False
    rows_read: dict[str, int] = field(default_factory=dict)
    # rows this run wrote to each incremental staging model (new events/orders and earlier deliveries)
    rows_staged: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    mart_rows: dict[str, int] = field(default_factory=dict)
    dbt_version: str = ""
    python_version: str = platform.python_version()
    exports_checksum: str | None = None
    served_checksum: str | None = None


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def refresh_lock(path: Path) -> Iterator[None]:
    """A lock file holding the holder's pid; a lock left by a dead process is taken over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            text = path.read_text().strip() if path.exists() else ""
            holder = int(text) if text.isdigit() else None
            if holder is not None and holder != os.getpid() and pid_alive(holder):
                raise RefreshLocked(f"another refresh is running (pid {holder}, lock {path})")
            log.warning("taking over a stale lock %s left by pid %s", path, holder)
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(descriptor, "w") as handle:
            handle.write(str(os.getpid()))
        break
    else:
        raise RefreshLocked(f"could not take the lock {path}")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def run_step(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A child step; its output goes to our stderr so a scheduler's log keeps it."""
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    sys.stderr.write(result.stdout + result.stderr)
    return result


def dbt_version() -> str:
    from importlib.metadata import version

    return f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}"


def build_invocation_id() -> str | None:
    """invocation_id of the dbt build just run, from its run_results.json."""
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))
    results = (target if target.is_absolute() else REPO_ROOT / target) / "run_results.json"
    return json.loads(results.read_text())["metadata"]["invocation_id"] if results.exists() else None


def read_facts(working: Path, record: RunRecord) -> None:
    invocation = build_invocation_id()
    with duckdb.connect(str(working), read_only=True) as connection:
        record.rows_staged = {
            table.split(".")[-1]: connection.execute(
                f"select count(*) from {table} where staged_in_invocation = ?", [invocation]).fetchall()[0][0]
            for table in INCREMENTAL_STAGING
        }
        # a tool's raw table is named with its system (ga4.events), the contract's alone (events)
        table_name = ("case when source_system = 'contract' then source_name "
                      "else source_system || '.' || source_name end")
        record.rows_read = dict(connection.execute(
            f"select {table_name}, rows_read from audit.raw_row_accounting order by 1").fetchall())
        record.rows_quarantined = dict(connection.execute(
            f"select {table_name}, rows_quarantined from audit.raw_row_accounting order by 1").fetchall())
        record.mart_rows = {mart: connection.execute(f"select count(*) from marts.{mart}").fetchall()[0][0]
                            for mart in marts_to_publish(connection)}
        as_of = connection.execute("select max(as_of_date) from intermediate.int_as_of_date").fetchall()[0][0]
        record.as_of_date = str(as_of) if as_of else None


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_marts(working: Path, exports: Path, run_id: str) -> str:
    """Write every mart to exports/marts-<run>/ and point exports/marts at it in one rename.
    A reader resolves the link once and reads one consistent version."""
    exports.mkdir(parents=True, exist_ok=True)
    version_dir = exports / f"marts-{run_id}"
    version_dir.mkdir()
    with duckdb.connect(str(working), read_only=True) as connection:
        for mart in marts_to_publish(connection):
            target = str(version_dir / f"{mart}.parquet").replace("'", "''")
            connection.execute(f"copy (select * from marts.{mart}) to '{target}' (format parquet)")
    digest = hashlib.sha256()
    for path in sorted(version_dir.glob("*.parquet")):
        digest.update(path.name.encode() + file_checksum(path).encode())
    link = exports / "marts"
    temporary_link = exports / f".marts-{run_id}.link"
    temporary_link.symlink_to(version_dir.name)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(temporary_link, link)
    # keep the version just replaced (readers may still have it open), drop older ones
    versions = sorted((p for p in exports.glob("marts-*") if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in versions[:-2]:
        shutil.rmtree(old, ignore_errors=True)
    return digest.hexdigest()


def past_runs(served: Path, run_log: Path) -> list[dict]:
    """Runs already recorded in the served file, plus runs logged since (failed ones)."""
    runs: list[dict] = []
    if served.exists():
        with duckdb.connect(str(served), read_only=True) as connection:
            tables = {r[0] for r in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
            if "refresh_runs" in tables:
                cursor = connection.execute("select * from main.refresh_runs order by started_at")
                names = [d[0] for d in cursor.description]
                runs = [dict(zip(names, row)) for row in cursor.fetchall()]
    known = {run["run_id"] for run in runs}
    if run_log.exists():
        for line in run_log.read_text().splitlines():
            entry = json.loads(line)
            if entry["run_id"] not in known:
                runs.append({k: json.dumps(v) if isinstance(v, dict) else v for k, v in entry.items()})
                known.add(entry["run_id"])
    return runs


def publish_served(working: Path, served: Path, record: RunRecord, run_log: Path) -> str:
    """Write a complete new served file beside the old one, then rename it over the old one."""
    temporary = served.with_name(f".{served.name}.{record.run_id}.tmp")
    temporary.unlink(missing_ok=True)
    history = past_runs(served, run_log)
    row = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in asdict(record).items()}
    row.update(status="published", ended_at=now())
    history.append(row)
    with duckdb.connect() as connection:
        connection.execute(f"attach '{str(temporary)}' as served (storage_version '{SERVED_STORAGE_VERSION}')")
        connection.execute(f"attach '{str(working)}' as working (read_only)")
        connection.execute("create schema served.marts")
        for mart in record.mart_rows:  # the marts the audit counted in the working file
            connection.execute(f"create table served.marts.{mart} as select * from working.marts.{mart}")
        columns = list(row)
        connection.execute(
            "create table served.main.refresh_runs (" + ", ".join(f"{c} varchar" for c in columns) + ")")
        connection.executemany(
            f"insert into served.main.refresh_runs values ({', '.join('?' for _ in columns)})",
            [[None if run.get(c) is None else str(run.get(c)) for c in columns] for run in history])
        connection.execute("detach working")
        connection.execute("checkpoint served")
        connection.execute("detach served")
    os.chmod(temporary, 0o444)
    with temporary.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, served)
    return file_checksum(served)


def append_log(run_log: Path, record: RunRecord) -> None:
    run_log.parent.mkdir(parents=True, exist_ok=True)
    with run_log.open("a") as handle:
        handle.write(json.dumps(asdict(record), sort_keys=True) + "\n")
    print(json.dumps(asdict(record), sort_keys=True))


def refresh(raw_dir: Path, working: Path, served: Path, exports: Path, run_log: Path, extra_vars: list[str],
            full_refresh: bool = False) -> RunRecord:
    record = RunRecord(run_id=dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6],
                       started_at=now(), dbt_version=dbt_version(), full_refresh=full_refresh)
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(working)}
    try:
        problem = hash_key_problem()
        if problem:
            raise RefreshFailed(f"hash key refused: {problem}")
        faults = check_raw_store(raw_dir, parse_vars(extra_vars))
        if faults:
            raise RefreshFailed(f"raw file fault: {faults[0]}" + (f" (+{len(faults) - 1} more)" if len(faults) > 1
                                                                   else ""), EXIT_FILE_FAULT)
        var_args = [arg for item in extra_vars for arg in ("--var", item)]
        if run_step([sys.executable, str(SCRIPTS / "validate.py"), "--suite", "raw", "--raw-dir", str(raw_dir), *var_args],
                    env).returncode != 0:
            raise RefreshFailed("audit failed: a fatal raw expectation failed (see the table above)")
        dbt_args = ["--", *REFRESH_EXCLUDES, *(["--full-refresh"] if full_refresh else [])]
        if run_step([sys.executable, str(SCRIPTS / "build.py"), "--raw-dir", str(raw_dir), *var_args, *dbt_args],
                    env).returncode != 0:
            raise RefreshFailed("build failed: dbt build or a dbt test failed (see the dbt output above)")
        read_facts(working, record)
        if run_step([sys.executable, str(SCRIPTS / "validate.py"), "--suite", "marts", "--db", str(working)],
                    env).returncode != 0:
            raise RefreshFailed("audit failed: a marts expectation failed (see the table above)")
        record.exports_checksum = export_marts(working, exports, record.run_id)
        record.served_checksum = publish_served(working, served, record, run_log)
        record.status = "published"
    except RefreshFailed as failure:
        record.status = "failed"
        record.reason = str(failure)
        raise
    finally:
        record.ended_at = now()
        append_log(run_log, record)
    return record


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Exit codes: 0 published, 1 build or audit failed, 2 raw file fault, "
                                            "3 another refresh is running.")
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"), help="raw store (default: data/raw)")
    parser.add_argument("--served", type=Path,
                        default=Path(os.environ.get("CUSTOMER_LEVELS_SERVED_DB", REPO_ROOT / "serving.duckdb")),
                        help="served DuckDB file (default: $CUSTOMER_LEVELS_SERVED_DB or serving.duckdb)")
    parser.add_argument("--exports", type=Path, default=None,
                        help="Parquet exports directory (default: exports/ beside the served file)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="a dbt var (repeatable)")
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild the incremental staging models from every raw file (after changing a staging "
                             "rule, or to pick up rows loaded before the lookback window)")
    args = parser.parse_args(argv)
    served = args.served.resolve()
    exports = (args.exports or served.parent / "exports").resolve()
    run_log = served.parent / "logs" / "refresh_runs.jsonl"
    try:
        with refresh_lock(served.with_name(served.name + ".lock")):
            refresh(args.raw_dir.resolve(), warehouse_path(), served, exports, run_log, args.var, args.full_refresh)
    except RefreshLocked as locked:
        log.error("%s", locked)
        return EXIT_LOCKED
    except RefreshFailed as failure:
        log.error("refresh failed, served marts untouched: %s", failure)
        return failure.exit_code
    log.info("published %s and %s", served, exports / "marts")
    return 0


if __name__ == "__main__":
    sys.exit(main())

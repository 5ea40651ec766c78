"""Build the real dbt project on small raw stores written from the CSV fixtures beside these tests.

A fixture directory holds one CSV per source (events.csv, orders.csv, ...). Each is written as
Parquet under <raw>/<source>/, typed by the contract in the sources YAML; an optional `_file`
column spreads the rows over several files (Hive-style paths allowed), as real deliveries are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts"))
from contract import raw_sources  # noqa: E402
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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


def build_project(raw_dir: Path, work_dir: Path, **dbt_vars: object) -> Build:
    database = work_dir / "warehouse.duckdb"
    env = {
        **os.environ,
        "CUSTOMER_LEVELS_DB": str(database),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
    }
    command = [
        str(Path(sys.executable).with_name("dbt")), "build",
        "--vars", json.dumps({"raw_data_dir": str(raw_dir), **dbt_vars}),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    return Build(database=database, result=result)


def build_fixture(name: str, tmp_path_factory: pytest.TempPathFactory, **dbt_vars: object) -> Build:
    work_dir = tmp_path_factory.mktemp(name)
    raw_dir = write_raw_store(FIXTURES / name, work_dir / "raw")
    build = build_project(raw_dir, work_dir, **dbt_vars)
    assert build.result.returncode == 0, build.output[-5000:]
    return build


@pytest.fixture(scope="session")
def orders_only(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """A store that exports only orders/ (fixtures/orders_only), shared by several test modules."""
    return build_fixture("orders_only", tmp_path_factory)


@pytest.fixture(scope="session")
def marts_store(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The three-month hand-worked store (fixtures/marts_store), shared by several test modules."""
    return build_fixture("marts_store", tmp_path_factory)

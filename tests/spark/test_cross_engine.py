"""The same project on Apache Spark (dbt-spark, session method) and on DuckDB: every mart equal.

Run by `make test-spark`, which installs .venv-spark (dbt-spark + pyspark) and points
CUSTOMER_LEVELS_SPARK_DBT at its dbt. Each store is built twice from the same Parquet files with
the same vars - once by the default DuckDB target, once by the spark target into its own Spark
warehouse - and each published mart is compared row for row on its key: money to the cent
(decimal(18,2) on both engines), rates and probabilities to 1e-9. The predicted-value models are
dbt Python models, which Spark's session method cannot run: both builds leave them out
(clv_predictions_enabled = false), so their marts are not compared (README: Running on Spark).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests" / "python"))
sys.path.insert(0, str(REPO_ROOT / "scripts"))
from compare import mart_differences  # noqa: E402
from conftest import FIXTURES, build_project, marts_only_file, write_raw_store  # noqa: E402
from published_marts import MART_KEYS  # noqa: E402

SPARK_DBT = Path(os.environ.get("CUSTOMER_LEVELS_SPARK_DBT", REPO_ROOT / ".venv-spark" / "bin" / "dbt"))
PYTHON_MODEL_MARTS = {"fct_customer_predictions", "mart_cohort_ltv_forecast"}
COMPARED_MARTS = {mart: keys for mart, keys in MART_KEYS.items() if mart not in PYTHON_MODEL_MARTS}

# Functions DuckDB has and Spark SQL lacks (plus `::` casts, which Spark before 4.0 and older
# Databricks runtimes reject): none may reach SQL compiled for Spark, which is what dispatching
# them (adapter.dispatch) guarantees.
DUCKDB_ONLY = re.compile(
    r"\b(read_parquet|glob|quantile_cont|quantile_disc|list_\w+|regexp_matches|strftime|strptime|"
    r"epoch_ms|epoch|date_diff|struct_pack|string_agg|sha256|timezone|generate_series)\s*\(|::",
    re.IGNORECASE,
)


@dataclass
class EngineBuilds:
    duckdb_file: Path
    spark_warehouse: Path
    spark_target: Path


def build_on_both(raw_dir: Path, work_dir: Path, **dbt_vars: object) -> EngineBuilds:
    dbt_vars = {"clv_predictions_enabled": False, **dbt_vars}
    duck = build_project(raw_dir, work_dir / "duckdb", **dbt_vars)
    assert duck.result.returncode == 0, duck.output[-3000:]
    spark_dir = work_dir / "spark"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "CUSTOMER_LEVELS_SPARK_WAREHOUSE": str(spark_dir / "warehouse"),
    }
    spark = subprocess.run(
        [str(SPARK_DBT), "build", "--target", "spark",
         "--vars", json.dumps({"raw_data_dir": str(raw_dir), **dbt_vars}),
         "--target-path", str(spark_dir / "target"), "--log-path", str(spark_dir / "logs")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    # Spark logs Java stack traces as JSON lines; dbt's own summary lines say what failed
    summary = "\n".join(line for line in spark.stdout.splitlines() if not line.startswith("{"))
    assert spark.returncode == 0, summary[-5000:]
    return EngineBuilds(duck.database, spark_dir / "warehouse", spark_dir / "target")


def fixture_builds(name: str, tmp_path_factory: pytest.TempPathFactory, **dbt_vars: object) -> EngineBuilds:
    work_dir = tmp_path_factory.mktemp(f"spark_{name}")
    return build_on_both(write_raw_store(FIXTURES / name, work_dir / "raw"), work_dir, **dbt_vars)


STORES = {
    "marts_store": {},
    "audiences_store": {"as_of_date": "2025-06-30"},
    "timezone_store": {"store_timezone": "America/Los_Angeles"},
}


@pytest.fixture(scope="module", params=[*STORES, "generated"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> EngineBuilds:
    if request.param != "generated":
        return fixture_builds(request.param, tmp_path_factory, **STORES[request.param])
    work_dir = tmp_path_factory.mktemp("spark_generated")
    raw_dir = work_dir / "raw"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "generate_data.py"), "--out", str(raw_dir),
         "--visitors", "4000", "--start", "2025-07-01", "--end", "2026-06-30", "--seed", "7"],
        check=True, capture_output=True,
    )
    return build_on_both(raw_dir, work_dir)


@pytest.mark.parametrize("mart", sorted(COMPARED_MARTS))
def test_mart_is_equal_on_spark_and_duckdb(store: EngineBuilds, mart: str) -> None:
    assert mart_differences(store.duckdb_file, store.spark_warehouse, mart, COMPARED_MARTS[mart]) == []


def test_no_duckdb_only_function_reaches_spark_sql(store: EngineBuilds) -> None:
    offenders = {}
    for compiled in (store.spark_target / "compiled").rglob("*.sql"):
        found = sorted({match.group(0) for match in DUCKDB_ONLY.finditer(compiled.read_text())})
        if found:
            offenders[str(compiled.relative_to(store.spark_target))] = found
    assert offenders == {}


def test_the_comparison_sees_a_one_cent_difference(store: EngineBuilds, tmp_path: Path) -> None:
    """The equality above can fail: a copy of the DuckDB build with one cent moved is reported."""
    tampered = tmp_path / "tampered.duckdb"
    with marts_only_file(store.duckdb_file, tampered) as connection:
        connection.execute("create table marts.fct_orders as select * from built.marts.fct_orders")
        changed = connection.execute(
            "update marts.fct_orders set net_revenue = net_revenue + 0.01 "
            "where order_id = (select min(order_id) from marts.fct_orders)").fetchone()[0]
    assert changed == 1
    differences = mart_differences(tampered, store.spark_warehouse, "fct_orders", COMPARED_MARTS["fct_orders"])
    assert len(differences) == 1 and differences[0].startswith("fct_orders.net_revenue")

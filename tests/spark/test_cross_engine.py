"""The same project on Apache Spark (dbt-spark, session method) and on DuckDB: every mart equal.

Run by `make test-spark`, which installs .venv-spark (dbt-spark + pyspark) and points
CUSTOMER_LEVELS_SPARK_DBT at its dbt. Each store is built twice from the same Parquet files with
the same vars - once by the default DuckDB target, once by the spark target into its own Spark
warehouse - and each published mart is compared row for row on its key: money to the cent
(decimal(18,2) on both engines), rates and probabilities to 1e-9. The predicted-value models are
dbt Python models, which Spark's session method cannot run: both builds leave them out
(clv_predictions_enabled = false), so their marts are not compared (docs/spark.md).

Spark's fixed cost per build is minutes, so the comparison runs on one combined store: every
hand-worked fixture store below (its ids, e-mails and campaigns prefixed with the store's name, so
no two stores share a person, an order or an ad-spend row) beside a generated year of trading,
built in the Los Angeles time zone (the dispatched time-zone macros on both engines). The DuckDB
build runs while Spark builds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests" / "python"))
sys.path.insert(0, str(REPO_ROOT / "scripts"))
from compare import mart_differences  # noqa: E402
from conftest import FIXTURES, build_project, marts_only_file, write_raw_store  # noqa: E402
from person_hashes import DEMO_HASH_KEY  # noqa: E402
from published_marts import MART_KEYS  # noqa: E402

SPARK_DBT = Path(os.environ.get("CUSTOMER_LEVELS_SPARK_DBT", REPO_ROOT / ".venv-spark" / "bin" / "dbt"))
PYTHON_MODEL_MARTS = {"fct_customer_predictions", "mart_cohort_ltv_forecast", "mart_clv_validation"}
COMPARED_MARTS = {mart: keys for mart, keys in MART_KEYS.items() if mart not in PYTHON_MODEL_MARTS}

# Functions DuckDB has and Spark SQL lacks (plus `::` casts, which Spark before 4.0 and older
# Databricks runtimes reject, and DuckDB's `lambda x:` syntax): none may reach SQL compiled for
# Spark, which is what dispatching them (adapter.dispatch) guarantees.
DUCKDB_ONLY = re.compile(
    r"\b(read_parquet|glob|quantile_cont|quantile_disc|list_\w+|regexp_matches|strftime|(try_)?strptime|"
    r"epoch_ms|epoch_us|epoch|date_diff|struct_pack|string_agg|sha256|getvariable|timezone|generate_series|"
    r"unnest)\s*\(|::|\blambda\s+\w+\s*:",
    re.IGNORECASE,
)


def duckdb_only_functions(compiled_sql: dict[str, str]) -> dict[str, list[str]]:
    """Each compiled query (by name) that holds DuckDB-only SQL, with what it holds."""
    offenders = {}
    for name, sql in compiled_sql.items():
        found = sorted({match.group(0) for match in DUCKDB_ONLY.finditer(sql)})
        if found:
            offenders[name] = found
    return offenders


@dataclass
class EngineBuilds:
    duckdb_file: Path
    spark_warehouse: Path
    spark_target: Path


def build_on_both(raw_dir: Path, work_dir: Path, **dbt_vars: object) -> EngineBuilds:
    dbt_vars = {"clv_predictions_enabled": False, **dbt_vars}
    spark_dir = work_dir / "spark"
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "CUSTOMER_LEVELS_SPARK_WAREHOUSE": str(spark_dir / "warehouse"),
    }
    started = time.monotonic()
    spark = subprocess.Popen(
        [str(SPARK_DBT), "build", "--target", "spark",
         "--vars", json.dumps({"raw_data_dir": str(raw_dir), **dbt_vars}),
         "--target-path", str(spark_dir / "target"), "--log-path", str(spark_dir / "logs")],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    duck = build_project(raw_dir, work_dir / "duckdb", **dbt_vars)
    print(f"duckdb build: {time.monotonic() - started:.0f} s")
    spark_output, _ = spark.communicate()
    print(f"spark build: {time.monotonic() - started:.0f} s")
    assert duck.result.returncode == 0, duck.output[-3000:]
    # Spark logs Java stack traces as JSON lines; dbt's own summary lines say what failed
    summary = "\n".join(line for line in spark_output.splitlines() if not line.startswith("{"))
    assert spark.returncode == 0, summary[-5000:]
    return EngineBuilds(duck.database, spark_dir / "warehouse", spark_dir / "target")


# The fixture stores in the combined store, each with the vars it is built with in the Python tests
# (the combined build takes the time zone; as_of_date is the combined store's latest activity).
FIXTURE_STORES = ("marts_store", "audiences_store", "timezone_store", "levels_store", "erasure_store", "faults_store")
COMBINED_VARS = {"store_timezone": "America/Los_Angeles"}
# Columns naming a person, an order or an ad-spend row: prefixed per fixture store.
KEY_COLUMNS = ("event_id", "anonymous_id", "customer_id", "email", "order_id", "refund_id", "campaign")


def add_fixture_store(name: str, raw_dir: Path, scratch: Path) -> None:
    """The fixture store's Parquet files, keys prefixed with its name, as one more file per source."""
    written = write_raw_store(FIXTURES / name, scratch / name)
    with duckdb.connect() as connection:
        for source_dir in sorted(p for p in written.iterdir() if p.is_dir()):
            files = f"{source_dir}/**/*.parquet"
            columns = [row[0] for row in connection.execute(f"describe select * from read_parquet('{files}')").fetchall()]
            prefixed = ", ".join(f"'{name}_' || {c} as {c}" if c in KEY_COLUMNS else c for c in columns)
            # at the top of the source directory, beside the generator's load_month= partitions
            target = raw_dir / source_dir.name / f"fixture_{name}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.execute(f"copy (select {prefixed} from read_parquet('{files}')) to '{target}' (format parquet)")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EngineBuilds:
    work_dir = tmp_path_factory.mktemp("spark_combined")
    raw_dir = work_dir / "raw"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "generate_data.py"), "--out", str(raw_dir),
         "--visitors", "4000", "--start", "2025-07-01", "--end", "2026-06-30", "--seed", "7"],
        check=True, capture_output=True,
    )
    for name in FIXTURE_STORES:
        add_fixture_store(name, raw_dir, work_dir / "fixtures")
    return build_on_both(raw_dir, work_dir, **COMBINED_VARS)


def test_combined_store_holds_every_fixture_store(store: EngineBuilds) -> None:
    """Each fixture store's customers reach the marts, apart from the others' (the prefixes held)."""
    with duckdb.connect(str(store.duckdb_file), read_only=True) as connection:
        customers = {
            name: connection.execute("select count(*) from marts.dim_people where starts_with(person_id, ?)",
                                     [f"customer:{name}_"]).fetchone()[0]
            for name in FIXTURE_STORES}
    assert all(count > 0 for count in customers.values()), customers


@pytest.mark.parametrize("mart", sorted(COMPARED_MARTS))
def test_mart_is_equal_on_spark_and_duckdb(store: EngineBuilds, mart: str) -> None:
    assert mart_differences(store.duckdb_file, store.spark_warehouse, mart, COMPARED_MARTS[mart]) == []


def test_no_duckdb_only_function_reaches_spark_sql(store: EngineBuilds) -> None:
    compiled = {str(path.relative_to(store.spark_target)): path.read_text()
                for path in (store.spark_target / "compiled").rglob("*.sql")}
    assert duckdb_only_functions(compiled) == {}


# The tool sources (docs/sources.md#source-systems): each tool's staging models are enabled by one
# setting of var web_source, email_source or order_source, so these settings enable every one of
# them between them. Each is compiled for the spark target, with the canonical staging and the
# accounting that read the tools' models (an ephemeral model is compiled into its reader).
TOOL_FOLDERS = ("ga4", "segment", "klaviyo", "shopify", "shopify_csv", "orders_file")
TOOL_VAR_SETS = {
    "ga4_klaviyo_shopify": {"web_source": "ga4", "email_source": "klaviyo", "order_source": "shopify"},
    "segment_web_orders": {"web_source": "segment", "email_source": "web", "order_source": "web"},
    "shopify_csv": {"order_source": "shopify_csv"},
    # a line-level file with credit notes and its own timestamp format: every branch of its mapping
    "orders_file_lines": {
        "order_source": "orders_file",
        "orders_file_columns": {"order_id": "order_id", "customer_id": "customer_id", "email": "email",
                                "ordered_at": "ordered_at", "amount": None, "quantity": "quantity",
                                "unit_price": "unit_price", "product_id": "product_id", "currency": "currency",
                                "status": "status"},
        "orders_file_timestamp_format": "%m/%d/%Y %H:%M",
        "orders_file_credit_prefix": "C",
    },
}
TOOL_SELECTION = ("staging", "audit.raw_row_accounting")


@pytest.fixture(scope="module")
def tool_compiles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each var set's compiled SQL for Spark, by node: {var set: {unique_id: compiled SQL}}."""
    work_dir = tmp_path_factory.mktemp("spark_tool_compiles")
    env = {**os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT),
           "CUSTOMER_LEVELS_SPARK_WAREHOUSE": str(work_dir / "warehouse")}
    common = {"raw_data_dir": str(work_dir / "raw"), "clv_predictions_enabled": False}
    started = time.monotonic()
    result = subprocess.run(
        [str(SPARK_DBT.with_name("python")), str(Path(__file__).with_name("compile_tool_sources.py")),
         str(work_dir), json.dumps({name: {**common, **tool_vars} for name, tool_vars in TOOL_VAR_SETS.items()}),
         *TOOL_SELECTION],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    compiled = {}
    for name in TOOL_VAR_SETS:
        nodes = json.loads((work_dir / name / "manifest.json").read_text())["nodes"]
        compiled[name] = {unique_id: node["compiled_code"] for unique_id, node in nodes.items()
                          if node.get("compiled_code")}
    print(f"spark compiles of the tool sources ({len(TOOL_VAR_SETS)} var sets): {time.monotonic() - started:.0f} s")
    return compiled


def test_every_tool_model_compiles_for_spark(tool_compiles: dict[str, dict[str, str]]) -> None:
    """Every model in a tool's staging folder was compiled for Spark under some var set."""
    tool_models = {path.stem for folder in TOOL_FOLDERS
                   for path in (REPO_ROOT / "models" / "staging" / folder).rglob("*.sql")}
    compiled_models = {unique_id.split(".")[-1] for nodes in tool_compiles.values()
                       for unique_id in nodes if unique_id.startswith("model.")}
    assert sorted(tool_models - compiled_models) == []


def test_no_duckdb_only_function_reaches_spark_sql_of_the_tools(tool_compiles: dict[str, dict[str, str]]) -> None:
    offenders = {f"{name}: {unique_id}": found for name, nodes in tool_compiles.items()
                 for unique_id, found in duckdb_only_functions(nodes).items()}
    assert offenders == {}


def test_the_scan_sees_duckdb_only_sql() -> None:
    """The two scans above can fail: DuckDB's spellings of what the dispatched macros do are found."""
    duckdb_sql = {
        "list_sum_of": "select list_sum(list_transform(lines, lambda line: line.subtotal)) from refunds",
        "text_to_utc_timestamp": "select try_strptime(ordered_at, '%m/%d/%Y') from orders",
        "cast": "select amount::decimal(18, 2) from orders",
        "spark": "select aggregate(lines, 0, (total, line) -> total + line.subtotal), "
                 "try_to_timestamp(ordered_at, 'MM/dd/yyyy') from orders",
    }
    assert duckdb_only_functions(duckdb_sql) == {
        "list_sum_of": ["lambda line:", "list_sum(", "list_transform("],
        "text_to_utc_timestamp": ["try_strptime("],
        "cast": ["::"],
    }


def test_the_hash_key_is_in_nothing_dbt_wrote_for_spark(store: EngineBuilds) -> None:
    """Spark substitutes the key (a conf) when it runs a statement: target/ and the dbt log hold the
    reference only, the warehouse (tables, metastore) nothing."""
    spark_dir = store.spark_target.parent
    written = [path for folder in (store.spark_target, spark_dir / "logs", store.spark_warehouse)
               for path in folder.rglob("*") if path.is_file()]
    assert any("${spark.customer_levels.hash_key}" in path.read_text(errors="ignore")
               for path in (store.spark_target / "compiled").rglob("*.sql"))
    assert [str(path) for path in written if DEMO_HASH_KEY.encode() in path.read_bytes()] == []


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

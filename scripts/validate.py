"""Run the Great Expectations suites: `raw` (before dbt) or `marts` (after it).

raw: first the file-level checks (scripts/preflight.py: exit 2 and one line per faulty file),
then one suite per source. Warnings (row-level problems dbt quarantines) are reported and the
run goes on; a failed fatal expectation exits 1. marts: every expectation is fatal.
Prints a table of what failed and writes Data Docs HTML under target/gx_data_docs/<suite>/.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

SCRIPTS = Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(REPO_ROOT / "gx"))
from build import warehouse_path  # noqa: E402
from contract import csv_files, duckdb_type, ndjson_files, parquet_files, raw_sources  # noqa: E402
from contract import project_var as build_var  # noqa: E402
from preflight import EXIT_FILE_FAULT, check_raw_store, parse_vars  # noqa: E402
from published_marts import marts_to_publish  # noqa: E402

log = logging.getLogger("validate")

EXIT_FATAL = 1


@dataclass(frozen=True)
class Failure:
    suite: str
    expectation: str
    column: str
    severity: str
    unexpected_count: int | None
    sample: str

    @property
    def is_fatal(self) -> bool:
        return self.severity != "warning"


def raw_views(connection: duckdb.DuckDBPyConnection, raw_dir: Path,
              dbt_vars: dict[str, object] | None = None) -> dict[str, str]:
    """Create one view per source with files (Parquet and CSV), holding exactly the contract columns
    under their contract names (file columns renamed as meta.file_column and column maps say)."""
    views: dict[str, str] = {}
    without_files: list[str] = []
    for directory, source in raw_sources(dbt_vars=dbt_vars).items():
        readers = []
        if parquet_files(raw_dir, source):
            pattern = str(raw_dir / directory / "**" / "*.parquet").replace("'", "''")
            readers.append(f"read_parquet('{pattern}', union_by_name = true, hive_partitioning = false)")
        if csv_files(raw_dir, source):
            pattern = str(raw_dir / directory / "**" / "*.csv").replace("'", "''")
            readers.append(f"read_csv('{pattern}', header = true, all_varchar = true, delim = ',', quote = '\"', "
                           "escape = '\"', union_by_name = true)")
        if ndjson_files(raw_dir, source):
            patterns = ", ".join(f"'{str(path).replace(chr(39), chr(39) * 2)}'" for path in ndjson_files(raw_dir, source))
            readers.append(f"read_json([{patterns}], format = 'newline_delimited', union_by_name = true)")
        if not readers:
            without_files.append(directory)
            continue
        selects = []
        for reader in readers:
            present = {row[0].lower() for row in connection.execute(f"describe select * from {reader}").fetchall()}
            columns = []
            for c in source.columns:
                if c.read_from and c.read_from.lower() in present:
                    columns.append(f'"{c.read_from}" as {c.name}')
                elif not c.required:
                    columns.append(f"cast(null as {duckdb_type(c.data_type)}) as {c.name}")
            selects.append(f"select {', '.join(columns)} from {reader}")
        view = "raw_" + directory.replace("/", "_")
        connection.execute(f"create or replace view {view} as {' union all by name '.join(selects)}")
        views[directory] = view
    if without_files:
        # one line: a Segment store alone has a directory per event table, most of them absent
        log.info("raw: no files in %s, nothing to validate there", ", ".join(without_files))
    return views


def iso_currencies() -> list[str]:
    with (REPO_ROOT / "seeds" / "currencies.csv").open() as handle:
        return [row["currency"] for row in csv.DictReader(handle)]


def project_var(name: str):
    """A var's default from dbt_project.yml, so the suites follow the same business rules as dbt."""
    return yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"][name]


def conversion_windows() -> list[int]:
    return list(project_var("conversion_windows_days"))


def mart_string_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = connection.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR' order by table_name, ordinal_position"
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def run_suites(connection: duckdb.DuckDBPyConnection, suites: list, docs_dir: Path) -> list[Failure]:
    """Validate each suite's frame with GX (pandas route) and build Data Docs."""
    import great_expectations as gx  # costs ~2 s: only when validating
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    docs_dir.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(site_name="customer_levels", site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    datasource = context.data_sources.add_pandas("customer_levels")
    failures: list[Failure] = []
    for index, spec in enumerate(suites, start=1):
        log.info("[%d/%d] %s", index, len(suites), spec.name)
        frame = connection.execute(spec.query).df()
        batch = datasource.add_dataframe_asset(spec.name).add_batch_definition_whole_dataframe("all_rows")
        suite = context.suites.add(spec.build())
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=spec.name, data=batch,
                                                                                 suite=suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=spec.name, validation_definitions=[definition],
            result_format={"result_format": "SUMMARY"},
        ))
        result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run_result in result.run_results.values():
            for outcome in run_result.results:
                if outcome.success:
                    continue
                config = outcome.expectation_config
                details = outcome.result or {}
                sample = details.get("partial_unexpected_list")
                sample = sample[:3] if isinstance(sample, list) else details.get("observed_value") or ""
                error = (outcome.exception_info or {}).get("exception_message")
                failures.append(Failure(
                    suite=spec.name,
                    expectation=config.type,
                    column=str(config.kwargs.get("column") or config.kwargs.get("column_list")
                               or config.kwargs.get("column_A") or ""),
                    severity=(config.meta or {}).get("severity", "fatal"),
                    unexpected_count=details.get("unexpected_count"),
                    sample=str(error or sample)[:80],
                ))
    # One Data Docs build for every stored suite and result: an UpdateDataDocsAction per checkpoint
    # makes a new site builder each time, whose Jinja templates compile again (about 0.4 s a suite).
    context.build_data_docs(site_names=["customer_levels"])
    return failures


def failure_table(failures: list[Failure]) -> str:
    header = ("suite", "expectation", "column", "severity", "unexpected", "sample")
    rows = [header] + [(f.suite, f.expectation, f.column, f.severity,
                        "" if f.unexpected_count is None else str(f.unexpected_count), f.sample) for f in failures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def validate_raw(raw_dir: Path, docs_dir: Path, dbt_vars: dict[str, object] | None = None) -> int:
    if not raw_dir.exists():
        log.info("raw store %s does not exist: every source is empty, nothing to validate", raw_dir)
        return 0
    faults = check_raw_store(raw_dir, dbt_vars)
    if faults:
        for fault in faults:
            log.error("raw file fault: %s", fault)
        return EXIT_FILE_FAULT
    from suites import raw_suites, tool_raw_suites
    from suites_orders import order_tool_suites

    with duckdb.connect() as connection:
        views = raw_views(connection, raw_dir, dbt_vars)
        suites = raw_suites(views, iso_currencies(), project_var("max_occurred_after_loaded_days"))
        klaviyo_metrics = [*project_var("klaviyo_signup_metrics"), *project_var("klaviyo_unsubscribe_metrics")]
        suites += tool_raw_suites(views, klaviyo_metrics)
        suites += order_tool_suites(views, iso_currencies(), lambda name: build_var(name, dbt_vars))
        failures = run_suites(connection, suites, docs_dir)
    return report(failures, "raw")


def validate_marts(database: Path, docs_dir: Path) -> int:
    if not database.exists():
        log.error("%s does not exist: build the warehouse first", database)
        return EXIT_FATAL
    from suites import marts_suites

    with duckdb.connect(str(database), read_only=True) as connection:
        suites = marts_suites(mart_string_columns(connection), conversion_windows(), marts_to_publish(connection))
        failures = run_suites(connection, suites, docs_dir)
    return report(failures, "marts")


def report(failures: list[Failure], suite_group: str) -> int:
    if failures:
        print(failure_table(failures))
    fatal = [f for f in failures if f.is_fatal]
    warnings = len(failures) - len(fatal)
    if fatal:
        log.error("%s suites: %d fatal expectation(s) failed", suite_group, len(fatal))
        return EXIT_FATAL
    log.info("%s suites passed%s", suite_group,
             f" with {warnings} warning(s): those rows are quarantined by dbt" if warnings else "")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", choices=["raw", "marts"], required=True, help="which suites to run")
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"), help="raw store (default: data/raw)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="a dbt var the build gets (repeatable): column maps, the selected source systems")
    parser.add_argument("--db", type=Path, default=None, help="warehouse for --suite marts (default: $CUSTOMER_LEVELS_DB)")
    parser.add_argument("--docs-dir", type=Path, default=None,
                        help="Data Docs output (default: target/gx_data_docs/<suite>)")
    args = parser.parse_args(argv)
    docs_dir = args.docs_dir or REPO_ROOT / "target" / "gx_data_docs" / args.suite
    # GX writes usage statistics and config under the home directory unless told not to.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    if args.suite == "raw":
        return validate_raw(args.raw_dir, docs_dir, parse_vars(args.var))
    return validate_marts(args.db or warehouse_path(), docs_dir)


if __name__ == "__main__":
    sys.exit(main())

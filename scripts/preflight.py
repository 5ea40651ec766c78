"""File-level checks of a raw store before anything is built: every Parquet, CSV and JSON file readable and
carrying the contract's required columns. One line per faulty file, exit code 2 on any fault."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract import (RawSource, csv_files, is_nested_type, ndjson_files, parquet_files, project_var,  # noqa: E402
                      raw_sources)

log = logging.getLogger("preflight")

EXIT_FILE_FAULT = 2
# order_source shopify reads one connector's tables: Fivetran's or Airbyte's (docs/sources.md#shopify-connector)
SHOPIFY_CONNECTORS = {
    "Fivetran's tables": ("shopify/order", "shopify/refund", "shopify/order_line_refund", "shopify/order_adjustment"),
    "Airbyte's streams": ("shopify/orders", "shopify/order_refunds"),
}


def missing_columns(present: set[str], source: RawSource) -> list[str]:
    """Required columns (by their names in the files) absent from a file's lower-cased column names."""
    return [name for name in source.required_columns if name.lower() not in present]


def file_fault(path: Path, source: RawSource) -> str | None:
    """The problem with one Parquet file, or None when it can be read as this source."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"not a readable Parquet file ({first_line})"
    present = {name.lower(): schema.field(name).type for name in schema.names}
    missing = missing_columns(set(present), source)
    if missing:
        return f"missing required column(s): {', '.join(missing)}"
    # a column declared nested (GA4's event_params) is read nested; any other cannot be cast from a struct
    nested = [c.read_from for c in source.columns
              if c.read_from and c.read_from.lower() in present and pa.types.is_nested(present[c.read_from.lower()])
              and not is_nested_type(c.data_type)]
    if nested:
        return f"column(s) with a nested type that cannot be cast: {', '.join(nested)}"
    return None


def csv_file_fault(path: Path, source: RawSource) -> str | None:
    """The problem with one CSV file (UTF-8, comma-separated, header row), or None."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return f"not a readable UTF-8 CSV file ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''})"
    if not header:
        return "empty CSV file: no header row"
    missing = missing_columns({name.strip().lower() for name in header}, source)
    if missing:
        return f"missing required column(s): {', '.join(missing)}"
    return None


def ndjson_file_fault(path: Path, source: RawSource) -> str | None:
    """The problem with one newline-delimited JSON file (its first record read), or None."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), None)
        record = json.loads(first) if first is not None else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"not a readable newline-delimited JSON file ({type(error).__name__}: {str(error).splitlines()[0]})"
    if record is None:
        return "empty JSON file: no record"
    if not isinstance(record, dict):
        return "not newline-delimited JSON: the first line is not an object"
    missing = missing_columns({name.lower() for name in record}, source)
    if missing:
        return f"missing required column(s): {', '.join(missing)}"
    return None


def shopify_connector_fault(raw_dir: Path, dbt_vars: dict[str, object] | None = None) -> str | None:
    """'<dir>: <problem>' when order_source is shopify and both connectors' directories hold Parquet files."""
    if project_var("order_source", dbt_vars) != "shopify":
        return None
    holding = {connector: [directory for directory in directories if any((raw_dir / directory).glob("**/*.parquet"))]
               for connector, directories in SHOPIFY_CONNECTORS.items()}
    if not all(holding.values()):
        return None
    found = " and ".join(f"{connector} ({', '.join(directories)})" for connector, directories in holding.items())
    return (f"{raw_dir / 'shopify'}: both {found} hold files; order_source shopify reads one connector per store: "
            "move the other's directories out of the raw store (docs/sources.md#shopify-connector)")


def check_raw_store(raw_dir: Path, dbt_vars: dict[str, object] | None = None) -> list[str]:
    """One message per faulty file: '<path>: <problem>'. dbt_vars: the build's vars (column maps)."""
    faults: list[str] = []
    for source in raw_sources(dbt_vars=dbt_vars).values():
        checks = [(path, file_fault) for path in parquet_files(raw_dir, source)]
        checks += [(path, csv_file_fault) for path in csv_files(raw_dir, source)]
        checks += [(path, ndjson_file_fault) for path in ndjson_files(raw_dir, source)]
        for path, check in checks:
            problem = check(path, source)
            if problem:
                faults.append(f"{path}: {problem}")
    conflict = shopify_connector_fault(raw_dir, dbt_vars)
    if conflict:
        faults.append(conflict)
    return faults


def parse_vars(items: list[str]) -> dict[str, object]:
    """NAME=VALUE pairs as build.py takes them: JSON values typed, others text."""
    parsed: dict[str, object] = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            parsed[name] = json.loads(value)
        except json.JSONDecodeError:
            parsed[name] = value
    return parsed


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"), help="raw store (default: data/raw)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                        help="a dbt var the build gets (repeatable), e.g. the column map orders_file_columns as JSON")
    args = parser.parse_args(argv)
    faults = check_raw_store(args.raw_dir, parse_vars(args.var))
    for fault in faults:
        log.error("raw file fault: %s", fault)
    return EXIT_FILE_FAULT if faults else 0


if __name__ == "__main__":
    sys.exit(main())

"""File-level checks of a raw store before anything is built: every Parquet file readable and
carrying the contract's required columns. One line per faulty file, exit code 2 on any fault."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contract import RawSource, parquet_files, raw_sources  # noqa: E402

log = logging.getLogger("preflight")

EXIT_FILE_FAULT = 2


def file_fault(path: Path, source: RawSource) -> str | None:
    """The problem with one file, or None when it can be read as this source."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return f"not a readable Parquet file ({first_line})"
    present = {name.lower(): schema.field(name).type for name in schema.names}
    missing = [name for name in source.required_columns if name.lower() not in present]
    if missing:
        return f"missing required column(s): {', '.join(missing)}"
    nested = [c.name for c in source.columns
              if c.name.lower() in present and pa.types.is_nested(present[c.name.lower()])]
    if nested:
        return f"column(s) with a nested type that cannot be cast: {', '.join(nested)}"
    return None


def check_raw_store(raw_dir: Path) -> list[str]:
    """One message per faulty file: '<path>: <problem>'."""
    faults: list[str] = []
    for source in raw_sources().values():
        for path in parquet_files(raw_dir, source):
            problem = file_fault(path, source)
            if problem:
                faults.append(f"{path}: {problem}")
    return faults


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"), help="raw store (default: data/raw)")
    args = parser.parse_args(argv)
    faults = check_raw_store(args.raw_dir)
    for fault in faults:
        log.error("raw file fault: %s", fault)
    return EXIT_FILE_FAULT if faults else 0


if __name__ == "__main__":
    sys.exit(main())

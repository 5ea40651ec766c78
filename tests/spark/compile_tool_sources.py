"""Compile the project for the spark target once per var set, in one process (run with .venv-spark's python).

Usage: python compile_tool_sources.py <work_dir> <var sets JSON: {name: {var: value}}> <select>...
Each var set's target is <work_dir>/<name> (manifest.json holds every compiled node). One process
for all of them: dbt's imports and the local SparkSession (a JVM, most of a compile's time) are
paid once; the vars differ, so each invocation parses the project again (a few seconds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner


def main(argv: list[str]) -> int:
    work_dir, var_sets, select = Path(argv[0]), json.loads(argv[1]), argv[2:]
    for name, dbt_vars in var_sets.items():
        result = dbtRunner().invoke(
            ["compile", "--target", "spark", "--select", *select, "--vars", json.dumps(dbt_vars),
             "--target-path", str(work_dir / name), "--log-path", str(work_dir / "logs"), "--quiet"])
        if not result.success:
            print(f"{name}: dbt compile failed: {result.exception or ''}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

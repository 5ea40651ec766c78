"""`make run` end to end on the demo store written in a tool's format (issue #16: "make run
WEB_SOURCE=ga4 (and segment) runs end to end on it"): the real Makefile target, as a user runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, timed_build


@pytest.mark.parametrize("web_source", ["ga4", "segment"])
def test_make_run_builds_a_tool_store_end_to_end(tmp_path: Path, web_source: str) -> None:
    """`make run WEB_SOURCE=ga4` (and segment), as a user runs it, on a demo store of 1,000 visitors
    (DEMO_VISITORS; the default 40,000 would cost minutes): generate in the tool's format, gate,
    build, audit, publish, report, audiences, summary. Every output is redirected into tmp_path."""
    raw = tmp_path / "raw"
    env = {**os.environ, "CUSTOMER_LEVELS_DB": str(tmp_path / "warehouse.duckdb"),
           "CUSTOMER_LEVELS_SERVED_DB": str(tmp_path / "serving.duckdb"), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "dbt_logs")}
    # -o: the installed environment counts as up to date (a test never reinstalls it)
    command = ["make", "--no-print-directory", "-o", ".venv/bin/.installed", "run", f"RAW_DIR={raw}",
               f"WEB_SOURCE={web_source}", "DEMO_VISITORS=1000", f"REPORT={tmp_path / 'report.html'}",
               f"AUDIENCES_DIR={tmp_path / 'audiences'}"]
    with timed_build(f"make run WEB_SOURCE={web_source}"):
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert (raw / web_source).is_dir() and not (raw / "events").exists()
    assert "weakest stage in " in result.stdout and "quarantined raw rows: none" in result.stdout
    assert (tmp_path / "report.html").stat().st_size > 0 and list((tmp_path / "audiences").glob("*.csv"))
    with duckdb.connect(str(tmp_path / "serving.duckdb"), read_only=True) as connection:
        people = connection.execute("select count(*) from marts.dim_people").fetchone()[0]
        levels = connection.execute("select count(distinct level_number) from marts.dim_people").fetchone()[0]
    assert people > 500 and levels == 5  # visitors .. regular buyers
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        accounted = connection.execute("select sum(rows_read), bool_and(is_balanced) from audit.raw_row_accounting "
                                       "where source_system = ?", [web_source]).fetchone()
    assert accounted[0] > 1000 and accounted[1]

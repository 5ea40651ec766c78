"""Compare a DuckDB build's marts with a Spark build's, row for row, joined on each mart's key."""

from __future__ import annotations

from pathlib import Path

import duckdb

# money is decimal(18,2) on both engines and compared exactly (to the cent); doubles (rates,
# probabilities) within this absolute tolerance
RATE_TOLERANCE = 1e-9


def spark_table_files(spark_warehouse: Path, schema: str, table: str) -> str:
    return str(spark_warehouse / f"{schema}.db" / table / "*.parquet")


def mart_differences(duckdb_file: Path, spark_warehouse: Path, mart: str, keys: tuple[str, ...]) -> list[str]:
    """Human-readable differences between the two builds of one mart (empty when equal)."""
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute(f"attach '{duckdb_file}' as duck (read_only)")
        columns = connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'duck' and table_schema = 'marts' and table_name = ? order by ordinal_position",
            [mart]).fetchall()
        files = spark_table_files(spark_warehouse, "marts", mart)
        spark_columns = [row[0] for row in connection.execute(f"describe select * from read_parquet('{files}')").fetchall()]
        if sorted(spark_columns) != sorted(name for name, _ in columns):
            return [f"{mart}: columns differ - duckdb {[n for n, _ in columns]} vs spark {spark_columns}"]
        casts = ", ".join(f'cast("{name}" as {data_type}) as "{name}"' for name, data_type in columns)
        connection.execute(f"create temp view spark_rows as select {casts} from read_parquet('{files}')")
        connection.execute(f"create temp view duck_rows as select * from duck.marts.{mart}")
        problems = []
        counts = connection.execute(
            "select (select count(*) from duck_rows), (select count(*) from spark_rows)").fetchone()
        if counts[0] != counts[1]:
            problems.append(f"{mart}: {counts[0]} rows on DuckDB, {counts[1]} on Spark")
        on = " and ".join(f'd."{k}" is not distinct from s."{k}"' for k in keys)
        for side, other in (("duck_rows", "spark_rows"), ("spark_rows", "duck_rows")):
            missing = connection.execute(
                f"select count(*) from {side} as d where not exists (select 1 from {other} as s where {on})"
            ).fetchone()[0]
            if missing:
                problems.append(f"{mart}: {missing} keys only in {side}")
        for name, data_type in columns:
            if name in keys:
                continue
            if data_type in ("DOUBLE", "FLOAT"):
                differs = f'abs(d."{name}" - s."{name}") > {RATE_TOLERANCE} or (d."{name}" is null) <> (s."{name}" is null)'
            else:
                differs = f'd."{name}" is distinct from s."{name}"'
            sample = connection.execute(
                f'select {", ".join(f"d.{k}" for k in keys)}, d."{name}", s."{name}" from duck_rows as d '
                f"join spark_rows as s on {on} where {differs} limit 3").fetchall()
            if sample:
                problems.append(f"{mart}.{name}: e.g. (key..., duckdb, spark) {sample}")
        return problems

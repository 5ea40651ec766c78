"""Print a short summary of the built warehouse: people per relationship level and the as-of date."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import warehouse_path  # noqa: E402

log = logging.getLogger("summary")


def people_per_level(connection: duckdb.DuckDBPyConnection) -> list[tuple[int, str, int]]:
    """(level_number, level_name, people) for levels 2..6, zeros included."""
    return connection.execute(
        """
        select levels.level_number, levels.level_name, count(people.person_id) as people
        from seeds.levels as levels
        left join marts.dim_people as people on people.level_number = levels.level_number
        where levels.level_number >= 2
        group by levels.level_number, levels.level_name
        order by levels.level_number
        """
    ).fetchall()


def as_of_date(connection: duckdb.DuckDBPyConnection) -> str:
    row = connection.execute("select max(as_of_date) from marts.dim_people").fetchone()
    return str(row[0]) if row and row[0] is not None else "n/a (no data)"


def format_summary(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as connection:
        levels = people_per_level(connection)
        lines = [f"customer_levels: {database}", f"as-of date: {as_of_date(connection)}", "",
                 "level  name               people"]
        lines += [f"{number:>5}  {name:<17} {people:>7,}" for number, name, people in levels]
        lines.append(f"       {'total':<17} {sum(p for _, _, p in levels):>7,}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: $CUSTOMER_LEVELS_DB)")
    args = parser.parse_args(argv)
    database = args.db or warehouse_path()
    if not database.exists():
        log.error("%s does not exist: run `make run` first", database)
        return 2
    print(format_summary(database))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Write the stage audiences as files a store's e-mail and ad tools take.

For each audience in the `audiences` seed, `<out>/<audience>.csv` holds one column `Email`: the
SHA-256 hex of the trimmed, lower-cased e-mail, the form Google Ads and Meta customer-match
uploads accept as hashed e-mail. Only people with a known e-mail who have not unsubscribed are
written (fct_audience_membership.can_email); erased people are never in the marts. Beside them,
`audience_memberships.parquet` holds every membership row with that hash where there is one,
anonymous visitors included (reach those through the ad platforms' pixels by their cookie id). No
file may contain an `@`: the script refuses to write one.

The memberships come from the marts (--db: the served file, else the working one). The plain
SHA-256 hashes come from the working warehouse only (--working-db, table
activation.customer_match_emails): the marts and the served file never hold them, as anyone with a
list of addresses could find those people again (docs/audiences.md#exports).

The files are written into a new directory which then replaces <out>, so a reader never sees a
half-written set.
"""

from __future__ import annotations

import argparse
import csv
import logging
import shutil
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import REPO_ROOT, published_or_working_database, warehouse_path  # noqa: E402

log = logging.getLogger("export_audiences")

EXIT_NO_MARTS = 2
CSV_HEADER = "Email"
AUDIENCES_SEED = REPO_ROOT / "seeds" / "audiences.csv"
# Person -> plain SHA-256 of the e-mail, in the working warehouse only (models/activation/).
CUSTOMER_MATCH_HASHES = "activation.customer_match_emails"


class ExportRefused(Exception):
    """The files would be wrong; nothing was replaced."""


def audience_names(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Every audience of the seed (so an empty one still gets its file) and any the mart holds.

    Read from seeds/audiences.csv: the served file carries the marts only, not the seeds."""
    with AUDIENCES_SEED.open(newline="") as seed:
        names = {row["audience"] for row in csv.DictReader(seed)}
    names |= {row[0] for row in connection.execute("select distinct audience from marts.fct_audience_membership").fetchall()}
    return sorted(names)


def customer_match_hashes(connection: duckdb.DuckDBPyConnection, database: Path, working: Path) -> str:
    """The table of plain e-mail hashes, read from the working file (attached when the memberships
    come from another file, e.g. the served one)."""
    if working.resolve() == database.resolve():
        return CUSTOMER_MATCH_HASHES
    quoted = str(working).replace("'", "''")
    connection.execute(f"attach '{quoted}' as working (read_only)")
    return f"working.{CUSTOMER_MATCH_HASHES}"


def upload_hashes(connection: duckdb.DuckDBPyConnection, audience: str, hashes: str) -> list[str]:
    """Distinct e-mail hashes of the audience's members who may be e-mailed, sorted for stable files."""
    rows = connection.execute(
        f"""
        select distinct hashes.email_sha256
        from marts.fct_audience_membership as memberships
        inner join {hashes} as hashes on memberships.person_id = hashes.person_id
        where memberships.audience = ? and memberships.can_email
        order by hashes.email_sha256
        """,
        [audience],
    ).fetchall()
    values = [row[0] for row in rows]
    malformed = [value for value in values if len(value) != 64 or "@" in value]
    if malformed:
        raise ExportRefused(f"{audience}: {len(malformed)} values are not SHA-256 hex digests")
    return values


def members_without_hash(connection: duckdb.DuckDBPyConnection, hashes: str) -> int:
    """Members who may be e-mailed but have no hash in the working file (it was rebuilt since the marts)."""
    return connection.execute(
        f"""
        select count(distinct memberships.person_id)
        from marts.fct_audience_membership as memberships
        left join {hashes} as hashes on memberships.person_id = hashes.person_id
        where memberships.can_email and hashes.person_id is null
        """
    ).fetchone()[0]


def contains_at_sign(connection: duckdb.DuckDBPyConnection, parquet: Path) -> bool:
    """True when any text value in the Parquet file has an '@' (read back, not trusted from the query)."""
    columns = connection.execute(f"describe select * from read_parquet('{parquet}')").fetchall()
    text_columns = [name for name, data_type, *_ in columns if data_type == "VARCHAR"]
    if not text_columns:
        return False
    condition = " or ".join(f'contains("{name}", \'@\')' for name in text_columns)
    return connection.execute(f"select count(*) from read_parquet('{parquet}') where {condition}").fetchone()[0] > 0


def write_export(database: Path, working: Path, out: Path) -> dict[str, int]:
    """Write every audience file into a fresh directory, then swap it in for `out`. Returns rows per file."""
    staging = out.with_name(f".{out.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(database), read_only=True) as connection:
        hashes = customer_match_hashes(connection, database, working)
        missing = members_without_hash(connection, hashes)
        if missing:
            log.warning("%d members who may be e-mailed have no e-mail hash in %s (rebuilt since %s?): left out",
                        missing, working, database)
        for audience in audience_names(connection):
            values = upload_hashes(connection, audience, hashes)
            (staging / f"{audience}.csv").write_text("\n".join([CSV_HEADER, *values]) + "\n")
            counts[f"{audience}.csv"] = len(values)
            log.info("%-26s %7d e-mail hashes", audience, len(values))
        memberships = staging / "audience_memberships.parquet"
        connection.execute(
            f"copy (select memberships.*, hashes.email_sha256 from marts.fct_audience_membership as memberships "
            f"left join {hashes} as hashes on memberships.person_id = hashes.person_id "
            f"order by memberships.audience, memberships.person_id) to '{memberships}' (format parquet)"
        )
        counts[memberships.name] = connection.execute(
            "select count(*) from marts.fct_audience_membership").fetchone()[0]
        leaks = [path.name for path in staging.glob("*.csv") if "@" in path.read_text()]
        leaks += [memberships.name] if contains_at_sign(connection, memberships) else []
    if leaks:
        shutil.rmtree(staging)
        raise ExportRefused(f"{', '.join(leaks)} would contain '@': e-mail addresses must never leave the warehouse")
    previous = out.with_name(f".{out.name}.old")
    shutil.rmtree(previous, ignore_errors=True)
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    shutil.rmtree(previous, ignore_errors=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=None,
                        help="DuckDB file with the marts (default: the served file, else $CUSTOMER_LEVELS_DB)")
    parser.add_argument("--working-db", type=Path, default=None,
                        help="working DuckDB file holding the plain e-mail hashes, table "
                             f"{CUSTOMER_MATCH_HASHES} (default: $CUSTOMER_LEVELS_DB or warehouse.duckdb)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "exports" / "audiences",
                        help="directory to (re)write (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    database = args.db or published_or_working_database()
    working = args.working_db or warehouse_path()
    if not database.exists():
        log.error("%s does not exist: run `make run` (or `make refresh`) first", database)
        return EXIT_NO_MARTS
    if not working.exists():
        log.error("working warehouse %s does not exist: the e-mail hashes for customer match (%s) are only "
                  "there; give it with --working-db or run `make run` (or `make refresh`) first",
                  working, CUSTOMER_MATCH_HASHES)
        return EXIT_NO_MARTS
    try:
        counts = write_export(database, working, args.out)
    except duckdb.CatalogException as error:
        log.error("%s has no audience marts or %s no %s (%s): rebuild with this version of the project",
                  database, working, CUSTOMER_MATCH_HASHES, str(error).splitlines()[0])
        return EXIT_NO_MARTS
    except duckdb.IOException as error:
        log.error("cannot read %s (is a build writing it?): %s", working, str(error).splitlines()[0])
        return EXIT_NO_MARTS
    except ExportRefused as error:
        log.error("export refused, %s left as it was: %s", args.out, error)
        return 1
    log.info("wrote %d files to %s", len(counts), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

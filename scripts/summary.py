"""Print a short summary of the built warehouse: people per level, the as-of date, the weakest stage
and the biggest opportunity in money, the ad channels missing from seeds/marketing_channels.csv, the
buyers slipping away, how far the BG/NBD fits can be trusted and quarantined rows."""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import warehouse_path  # noqa: E402

log = logging.getLogger("summary")

# The stage 1 marketing types of seeds/marketing_channels.csv, as macros/stage_one_marketing_types.sql
# lists them: readers of the served file have only the marts, not the macro.
STAGE_ONE_MARKETING_TYPES = ("shine_a_light", "target_customers", "get_found")


@dataclass(frozen=True)
class WeakestStage:
    month: str
    stage: int
    stage_name: str
    conversion_rate: float
    target_conversion_rate: float
    has_no_marketing: bool


def as_of_date(connection: duckdb.DuckDBPyConnection) -> str | None:
    row = connection.execute("select as_of_date from intermediate.int_as_of_date").fetchone()
    return str(row[0]) if row else None


def levels_at_as_of(connection: duckdb.DuckDBPyConnection) -> list[tuple[int, str, int | None, int | None]]:
    """(level_number, level_name, people, audience_reached) in the as-of month, levels 1..6."""
    return connection.execute(
        """
        select level_number, level_name, people, audience_reached
        from marts.mart_level_distribution
        where month = (select max(month) from marts.mart_level_distribution)
        order by level_number
        """
    ).fetchall()


def weakest_stage_of_latest_complete_month(connection: duckdb.DuckDBPyConnection) -> WeakestStage | None:
    row = connection.execute(
        """
        select month, stage, stage_name, conversion_rate, target_conversion_rate, has_no_marketing
        from marts.mart_stage_focus
        where is_weakest
          and month = (select max(month) from marts.mart_stage_focus where is_complete_month)
        """
    ).fetchone()
    return WeakestStage(str(row[0]), *row[1:]) if row else None


def biggest_opportunity(connection: duckdb.DuckDBPyConnection, month: str) -> tuple | None:
    """(stage, stage_name, opportunity_value, low, high, is_gap_uncertain) of the stage worth most in
    money that month, () when no stage is short of its target, None without mart_stage_opportunity."""
    if not has_column(connection, "marts.mart_stage_opportunity", "is_biggest_opportunity"):
        return None
    row = connection.execute(
        "select stage, stage_name, opportunity_value, opportunity_value_low, opportunity_value_high, is_gap_uncertain "
        "from marts.mart_stage_opportunity where is_biggest_opportunity and month = cast(? as date)", [month]
    ).fetchone()
    return tuple(row) if row else ()


def opportunity_line(opportunity: tuple, weakest: WeakestStage) -> str:
    if not opportunity:
        return "biggest opportunity in money: none (no stage is short of its target)"
    stage, name, value, low, high, uncertain = opportunity
    same = "the weakest stage too" if stage == weakest.stage else "not the weakest stage"
    noise = "; the gap could be zero" if uncertain else ""
    return (f"biggest opportunity in money: stage {stage} {name}, {float(value):,.2f} "
            f"({float(low):,.2f} to {float(high):,.2f}{noise}) - {same}")


def has_column(connection: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return connection.execute(
        "select count(*) from information_schema.columns where table_schema = ? and table_name = ? "
        "and column_name = ?", [schema, name, column]).fetchone()[0] > 0


def unmapped_channels(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Ad channels of any month that seeds/marketing_channels.csv does not list (mart_stage_focus)."""
    if not has_column(connection, "marts.mart_stage_focus", "unmapped_channels"):
        log.info("marts.mart_stage_focus has no unmapped_channels column: built by an earlier version")
        return []
    lists = connection.execute(
        "select distinct unmapped_channels from marts.mart_stage_focus where unmapped_channels is not null"
    ).fetchall()
    return sorted({channel.strip() for (text,) in lists for channel in text.split(",")})


def unmapped_channels_notice(channels: list[str]) -> str | None:
    """What to add to the seed for `channels`, or None when every channel is mapped."""
    if not channels:
        return None
    return (
        f"Ad channels not in seeds/marketing_channels.csv: {', '.join(channels)}. "
        f"Add a row per channel: channel,stage,marketing_type "
        f"(stage 1 types: {', '.join(STAGE_ONE_MARKETING_TYPES)}). "
        "Until then their spend and reach count on stage 1 as unmapped."
    )


def fit_quality(converged: bool | None, weakly_identified: str | None) -> str:
    """How far a BG/NBD fit that ran can be trusted, in words (clv_model_parameters, mart_clv_validation)."""
    reached = ("converged" if converged else
               "did not converge (stopped short of the maximum: the parameters are not the best ones)")
    weak = (f"weakly identified: {weakly_identified.replace(',', ', ')} (predictions can still be good)"
            if weakly_identified else "every parameter identified")
    return f"{reached}; {weak}"


def predictions_line(connection: duckdb.DuckDBPyConnection) -> str:
    """The fit status and quality and the buyers slipping away, or why there are no predictions."""
    tables = {row[0] for row in connection.execute(
        "select table_name from information_schema.tables where table_schema = 'intermediate'").fetchall()}
    if "clv_model_parameters" not in tables:
        return "predicted value: disabled (var clv_predictions_enabled)"
    fits = {name: (status, converged, weak) for name, status, converged, weak in connection.execute(
        "select model_name, coalesce(fit_message, fit_status), converged, weakly_identified_parameters "
        "from intermediate.clv_model_parameters").fetchall()}
    status, converged, weak = fits.get("bg_nbd", (None, None, None))
    if status != "ok":
        return f"predicted value: no BG/NBD fit - {status}"
    at_risk, slipping_value = connection.execute(
        """
        select count(*), coalesce(sum(people.net_revenue), 0)
        from marts.dim_people as people
        where people.at_risk
        """
    ).fetchone()
    horizon_value = connection.execute(
        "select coalesce(sum(predicted_horizon_value), 0) from marts.fct_customer_predictions").fetchone()[0]
    return (
        f"BG/NBD fit: {fit_quality(converged, weak)}\n"
        f"predicted value of today's buyers over the prediction horizon: {horizon_value:,.0f}\n"
        f"at-risk repeat and regular buyers (p_alive below threshold): {at_risk:,} "
        f"(they have spent {slipping_value:,.0f} so far)"
    )


def validation_line(connection: duckdb.DuckDBPyConnection) -> str | None:
    """The holdout check of mart_clv_validation in one line; None when predictions are disabled."""
    if not has_column(connection, "marts.mart_clv_validation", "converged"):
        return None
    row = connection.execute(
        "select calibration_end_date, holdout_end_date, fit_status, total_actual_holdout_purchase_days, "
        "total_predicted_holdout_purchase_days, total_relative_error, converged, weakly_identified_parameters "
        "from marts.mart_clv_validation limit 1").fetchone()
    if row is None:
        return "holdout check: no buyer bought before the calibration end"
    calibration_end, holdout_end, status, actual, predicted, error, converged, weak = row
    if status != "ok":
        return f"holdout check (fitted to {calibration_end}): no fit - {status}"
    relative = f" ({error:+.1%})" if error is not None else ""
    return (f"holdout check (fitted to {calibration_end}, asked to {holdout_end}): {predicted:,.0f} purchase days "
            f"predicted against {actual:,} actual{relative}; fit {fit_quality(converged, weak)}")


def quarantine_counts(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    return connection.execute(
        "select source_name, quarantine_reason, count(*) from audit.quarantine group by all order by 1, 2"
    ).fetchall()


def format_summary(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as connection:
        as_of = as_of_date(connection)
        if as_of is None:
            return f"customer_levels: {database}\nno data: no orders or events in the raw store"
        levels = levels_at_as_of(connection)
        weakest = weakest_stage_of_latest_complete_month(connection)
        opportunity = biggest_opportunity(connection, weakest.month) if weakest else None
        quarantined = quarantine_counts(connection)
        predictions = predictions_line(connection)
        validation = validation_line(connection)
        channels_notice = unmapped_channels_notice(unmapped_channels(connection))
    lines = [f"customer_levels: {database}", f"as-of date: {as_of}", "", "level  name               people"]
    for number, name, people, audience in levels:
        if number == 1:
            lines.append(f"{number:>5}  {name:<17} {audience or 0:>7,}  (audience reached by ads this month)")
        else:
            lines.append(f"{number:>5}  {name:<17} {people:>7,}")
    lines.append(f"       {'total people':<17} {sum(p or 0 for n, _, p, _ in levels if n > 1):>7,}")
    lines.append("")
    if weakest is None:
        lines.append("weakest stage: n/a (no complete month with a conversion rate and a target)")
    else:
        gap = " - and no marketing on it: a gap" if weakest.has_no_marketing else ""
        lines.append(
            f"weakest stage in {weakest.month[:7]}: stage {weakest.stage} {weakest.stage_name} "
            f"({weakest.conversion_rate:.1%} against a target of {weakest.target_conversion_rate:.1%}){gap}"
        )
        if opportunity is not None:
            lines.append(opportunity_line(opportunity, weakest))
    if channels_notice is not None:
        lines += ["", channels_notice]
    lines += ["", predictions] + ([validation] if validation else []) + [""]
    if quarantined:
        lines.append("quarantined raw rows (audit.quarantine):")
        lines += [f"  {source:<9} {reason:<22} {count:>7,}" for source, reason, count in quarantined]
    else:
        lines.append("quarantined raw rows: none")
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

"""The pandas peer: people per level and cohort LTV from the raw Parquet files, as a notebook would.

The plainest honest pandas code an analyst would write to get the two headline figures of the
project from the store's raw files (docs/sources.md: events/, orders/, refunds/) and the exchange
rates in seeds/fx_rates.csv, with the project's rules (docs/levels-and-marts.md): re-delivered
rows deduplicated (first loaded), the as-of date, identity stitching, valid orders, money in the
reporting currency. No dbt, no DuckDB. scripts/bench.py times it against the full build and holds
its figures equal to dim_people and mart_cohort_ltv (docs/performance.md#the-pandas-peer).

It is a measuring stick, not a second implementation to maintain: it assumes a store without the
faults that staging quarantines (the demo store of `make bench`), the UTC store time zone and the
default vars.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
FX_RATES = REPO_ROOT / "seeds" / "fx_rates.csv"
REPORTING_CURRENCY = "USD"  # var reporting_currency
REGULAR_BUYER_MIN_ORDERS = 3  # var regular_buyer_min_orders
REGULAR_BUYER_WINDOW_DAYS = 365  # var regular_buyer_window_days
LEVEL_NAMES = {2: "visitor", 3: "enquirer", 4: "first_time_buyer", 5: "repeat_buyer", 6: "regular_buyer"}

log = logging.getLogger("pandas_peer")


def read_first_delivery(raw: Path, source: str, key: str, columns: list[str]) -> pd.DataFrame:
    """One row per key: the first loaded delivery (files are read in path order, so a stable sort
    on loaded_at breaks ties by file and row, as staging does)."""
    rows = pd.read_parquet(raw / source, columns=[*columns, "loaded_at"])
    rows = rows.sort_values("loaded_at", kind="stable")
    return rows.drop_duplicates(key, keep="first")


def as_of_date(events: pd.DataFrame, orders: pd.DataFrame) -> pd.Timestamp:
    """The latest day with an event or an order (var as_of_date null)."""
    return max(events["occurred_at"].max(), orders["ordered_at"].max()).normalize()


def orders_netted(orders: pd.DataFrame, refunds: pd.DataFrame, fx_rates: pd.DataFrame,
                  as_of: pd.Timestamp) -> pd.DataFrame:
    """Orders by the as-of date with refunds known by then, validity and net revenue in cents of the
    reporting currency."""
    last_moment = as_of + pd.Timedelta(days=1)
    orders = orders[orders["ordered_at"] < last_moment].copy()
    refunds = refunds[refunds["refunded_at"] < last_moment]
    # Money in whole cents (integers): float sums of amounts drift away from the warehouse's decimals.
    orders["amount_cents"] = (orders["amount"].astype(float) * 100).round().astype("int64")
    refund_cents = (refunds["amount"].astype(float) * 100).round().astype("int64")
    refunded = refund_cents.groupby(refunds["order_id"]).sum().rename("refunded_cents")
    orders = orders.merge(refunded, left_on="order_id", right_index=True, how="left")
    orders["refunded_cents"] = orders["refunded_cents"].fillna(0).astype("int64")
    orders["net_cents"] = orders["amount_cents"] - orders["refunded_cents"]
    # Valid: completed and not fully refunded (a free order with no refund is valid).
    fully_refunded = (orders["refunded_cents"] > 0) & (orders["refunded_cents"] >= orders["amount_cents"])
    orders["is_valid"] = (orders["status"] == "completed") & ~fully_refunded
    orders["order_month"] = orders["ordered_at"].dt.to_period("M").dt.to_timestamp()
    orders = orders.merge(fx_rates, left_on=["order_month", "currency"], right_on=["month", "currency"], how="left")
    orders.loc[orders["currency"] == REPORTING_CURRENCY, "rate_micros"] = 1_000_000
    # The warehouse rounds each order's converted amount to the cent, half away from zero.
    orders["net_revenue_cents"] = (orders["net_cents"] * orders["rate_micros"].astype("int64") + 500_000) // 1_000_000
    orders["person_id"] = "customer:" + orders["customer_id"]
    return orders


def read_fx_rates(path: Path = FX_RATES) -> pd.DataFrame:
    """Month x currency -> rate into the reporting currency, in millionths (the seed's decimal(18, 6))."""
    rates = pd.read_csv(path, parse_dates=["month"])
    rates = rates[rates["reporting_currency"] == REPORTING_CURRENCY]
    rates["rate_micros"] = (rates["rate"] * 1_000_000).round().astype("int64")
    return rates[["month", "currency", "rate_micros"]]


def events_stitched(events: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Each event's person (docs/decisions.md, identity stitching): its customer id; else the first
    customer seen with its e-mail; else the e-mail; else whoever its cookie's first identified event
    names; else the cookie."""
    events = events.copy()
    events["email"] = events["email"].str.strip().str.lower()
    order_emails = orders.assign(email=orders["email"].str.strip().str.lower(), linked_at=orders["ordered_at"])
    event_emails = events[events["customer_id"].notna()].assign(linked_at=events["occurred_at"])
    links = pd.concat([order_emails[["email", "customer_id", "linked_at"]],
                       event_emails[["email", "customer_id", "linked_at"]]]).dropna(subset=["email"])
    email_owners = (links.sort_values(["linked_at", "customer_id"]).drop_duplicates("email")
                    .set_index("email")["customer_id"])
    events["person_id"] = "customer:" + events["customer_id"]
    owner = events["email"].map(email_owners)
    events["person_id"] = events["person_id"].fillna("customer:" + owner).fillna("email:" + events["email"])
    identified = events[events["person_id"].notna() & events["anonymous_id"].notna()]
    cookie_owners = (identified.sort_values(["occurred_at", "event_id"]).drop_duplicates("anonymous_id")
                     .set_index("anonymous_id")["person_id"])
    events["person_id"] = (events["person_id"].fillna(events["anonymous_id"].map(cookie_owners))
                           .fillna("anonymous:" + events["anonymous_id"]))
    return events


def people_per_level(events: pd.DataFrame, orders: pd.DataFrame, as_of: pd.Timestamp) -> dict[int, int]:
    """People on each level 2..6 on the as-of date; people known only through invalid orders have none."""
    valid = orders[orders["is_valid"]]
    window_start = as_of - pd.Timedelta(days=REGULAR_BUYER_WINDOW_DAYS - 1)
    people = pd.DataFrame({
        "visited": events.groupby("person_id").size() > 0,
        "signed_up": events[events["event_type"] == "email_signup"].groupby("person_id").size() > 0,
        "valid_orders": valid.groupby("person_id").size(),
        "orders_in_window": valid[valid["ordered_at"] >= window_start].groupby("person_id").size(),
    }).fillna({"visited": False, "signed_up": False, "valid_orders": 0, "orders_in_window": 0})
    people["level"] = 0
    people.loc[people["visited"], "level"] = 2
    people.loc[people["signed_up"], "level"] = 3
    people.loc[people["valid_orders"] == 1, "level"] = 4
    people.loc[people["valid_orders"] >= 2, "level"] = 5
    people.loc[people["orders_in_window"] >= REGULAR_BUYER_MIN_ORDERS, "level"] = 6
    counts = people["level"].value_counts()
    return {level: int(counts.get(level, 0)) for level in LEVEL_NAMES}


def cohort_ltv(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per first-order month x months since the first order (acquisition channel 'all'): cohort
    size, active customers, orders, net revenue and its running total, LTV per customer, retention."""
    valid = orders[orders["is_valid"]].copy()
    first_orders = valid.groupby("person_id")["ordered_at"].min().dt.to_period("M").rename("cohort")
    valid = valid.join(first_orders, on="person_id")
    order_month = valid["ordered_at"].dt.to_period("M")
    valid["months_since_first_order"] = ((order_month.dt.year - valid["cohort"].dt.year) * 12
                                         + order_month.dt.month - valid["cohort"].dt.month)
    activity = valid.groupby(["cohort", "months_since_first_order"]).agg(
        active_customers=("person_id", "nunique"), orders=("order_id", "size"),
        net_revenue_cents=("net_revenue_cents", "sum"))
    # Every month from the cohort's first to the as-of month, with zeros where nobody bought.
    as_of_month = as_of.to_period("M")
    sizes = first_orders.value_counts().sort_index()
    grid = pd.MultiIndex.from_tuples(
        [(cohort, months) for cohort in sizes.index for months in range((as_of_month - cohort).n + 1)],
        names=["cohort", "months_since_first_order"])
    ltv = activity.reindex(grid, fill_value=0).reset_index()
    ltv["cohort_size"] = ltv["cohort"].map(sizes)
    ltv["cumulative_net_revenue_cents"] = ltv.groupby("cohort")["net_revenue_cents"].cumsum()
    # Per customer, rounded half up to the cent as the warehouse's money_per does.
    ltv["ltv_per_customer_cents"] = (2 * ltv["cumulative_net_revenue_cents"] + ltv["cohort_size"]) // (2 * ltv["cohort_size"])
    ltv["retention_rate"] = ltv["active_customers"] / ltv["cohort_size"]
    ltv["cohort_month"] = ltv["cohort"].dt.to_timestamp().dt.strftime("%Y-%m-%d")
    return ltv[["cohort_month", "months_since_first_order", "cohort_size", "active_customers", "orders",
                "net_revenue_cents", "cumulative_net_revenue_cents", "ltv_per_customer_cents", "retention_rate"]]


def compute(raw: Path, fx_rates_path: Path = FX_RATES) -> dict:
    """The peer's figures for the store under raw/: as-of date, people per level, cohort LTV rows."""
    started = time.monotonic()
    events = read_first_delivery(raw, "events", "event_id",
                                 ["event_id", "event_type", "anonymous_id", "customer_id", "email", "occurred_at"])
    orders = read_first_delivery(raw, "orders", "order_id",
                                 ["order_id", "customer_id", "email", "ordered_at", "currency", "amount", "status"])
    refunds = read_first_delivery(raw, "refunds", "refund_id", ["refund_id", "order_id", "refunded_at", "amount"])
    log.info("read %s events, %s orders, %s refunds (%.1fs)", f"{len(events):,}", f"{len(orders):,}",
             f"{len(refunds):,}", time.monotonic() - started)
    as_of = as_of_date(events, orders)
    events = events[events["occurred_at"] < as_of + pd.Timedelta(days=1)]
    orders = orders_netted(orders, refunds, read_fx_rates(fx_rates_path), as_of)
    events = events_stitched(events, orders)
    levels = people_per_level(events, orders, as_of)
    ltv = cohort_ltv(orders, as_of)
    log.info("as of %s: %s people on levels 2-6, %d cohort rows (%.1fs)", as_of.date(), f"{sum(levels.values()):,}",
             len(ltv), time.monotonic() - started)
    return {"as_of_date": as_of.date().isoformat(), "people_per_level": {str(k): v for k, v in levels.items()},
            "cohort_ltv": ltv.to_dict(orient="records")}


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="the store's raw directory (events/, orders/, refunds/)")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON (default: print them)")
    parser.add_argument("--fx-rates", type=Path, default=FX_RATES, help="exchange rates CSV (default: %(default)s)")
    args = parser.parse_args(argv)
    if not (args.raw / "orders").is_dir():
        log.error("%s has no orders/ directory: give the store's raw directory", args.raw)
        return 2
    figures = json.dumps(compute(args.raw, args.fx_rates), indent=1, default=int)
    if args.out:
        args.out.write_text(figures + "\n")
    else:
        print(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

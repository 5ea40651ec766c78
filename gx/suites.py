"""The Great Expectations suites of customer_levels, kept in the repo as code.

Each suite validates one pandas frame read with DuckDB (GX's SQL datasource returns nothing over
duckdb-engine, see docs/data-quality.md). Every expectation's meta says its severity:
  fatal   - stops the run (file- and table-level problems, anything wrong in a mart);
  warning - the offending rows are quarantined by dbt staging (meta.quarantine_reason) and the
            run goes on.
Raw frames carry derived check columns (normalised as staging normalises them), never an e-mail
address, so a failure sample can be printed safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from published_marts import MART_KEYS  # scripts/ is on the path of every caller (validate.py)

EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
EVENT_TYPES = ["page_view", "email_signup", "email_unsubscribe", "identify", "add_to_cart", "checkout_started"]
ORDER_STATUSES = ["completed", "cancelled"]


def fatal() -> dict:
    return {"severity": "fatal"}


def warning(quarantine_reason: str) -> dict:
    return {"severity": "warning", "quarantine_reason": quarantine_reason}


@dataclass(frozen=True)
class SuiteSpec:
    """A suite, the SQL that reads its frame, and its expectations."""

    name: str
    query: str
    expectations: list[gxe.Expectation] = field(default_factory=list)

    def build(self) -> gx.ExpectationSuite:
        return gx.ExpectationSuite(name=self.name, expectations=list(self.expectations))


def _required_present(columns: list[str]) -> list[gxe.Expectation]:
    return [gxe.ExpectColumnToExist(column=c, meta=fatal()) for c in columns]


def raw_suites(raw_views: dict[str, str], currencies: list[str], max_lead_days: int) -> list[SuiteSpec]:
    """Suites over the raw sources; raw_views maps a source directory to a relation with its contract columns.
    max_lead_days is dbt's var max_occurred_after_loaded_days, so GX and staging agree."""
    suites: list[SuiteSpec] = []
    if "events" in raw_views:
        suites.append(SuiteSpec(
            name="raw_events",
            query=f"""
                select
                    event_id, event_type, occurred_at, loaded_at,
                    lower(trim(event_type)) as event_type_normalised,
                    try_cast(occurred_at as timestamp) as occurred_at_value,
                    try_cast(loaded_at as timestamp) as loaded_at_value,
                    try_cast(occurred_at as timestamp)
                        <= try_cast(loaded_at as timestamp) + interval {int(max_lead_days)} day
                        as occurred_within_a_day_of_loading,
                    coalesce(nullif(trim(anonymous_id), ''), nullif(trim(customer_id), ''),
                             nullif(trim(email), '')) is not null as has_identifier
                from {raw_views['events']}
            """,
            expectations=[
                *_required_present(["event_id", "event_type", "occurred_at", "loaded_at"]),
                gxe.ExpectColumnValuesToNotBeNull(column="event_id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToBeInSet(column="event_type_normalised", value_set=EVENT_TYPES,
                                                meta=warning("unknown_event_type")),
                gxe.ExpectColumnValuesToNotBeNull(column="event_type_normalised", meta=warning("unknown_event_type")),
                gxe.ExpectColumnValuesToNotBeNull(column="occurred_at_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToNotBeNull(column="loaded_at_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToBeInSet(column="occurred_within_a_day_of_loading", value_set=[True],
                                                meta=warning("occurred_after_loaded")),
                gxe.ExpectColumnValuesToBeInSet(column="has_identifier", value_set=[True],
                                                meta=warning("no_identifier")),
            ],
        ))
    if "orders" in raw_views:
        suites.append(SuiteSpec(
            name="raw_orders",
            query=f"""
                select
                    order_id, customer_id, ordered_at, currency, amount, status, loaded_at,
                    try_cast(ordered_at as timestamp) as ordered_at_value,
                    try_cast(loaded_at as timestamp) as loaded_at_value,
                    try_cast(amount as decimal(18, 2)) as amount_value,
                    upper(trim(currency)) as currency_normalised,
                    lower(trim(status)) as status_normalised
                from {raw_views['orders']}
            """,
            expectations=[
                *_required_present(["order_id", "customer_id", "ordered_at", "currency", "amount", "status",
                                    "loaded_at"]),
                gxe.ExpectColumnValuesToNotBeNull(column="order_id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="customer_id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="ordered_at_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToNotBeNull(column="amount_value", meta=warning("bad_amount")),
                gxe.ExpectColumnValuesToBeBetween(column="amount_value", min_value=0,
                                                  meta=warning("negative_amount")),
                gxe.ExpectColumnValuesToBeInSet(column="currency_normalised", value_set=currencies,
                                                meta=warning("unknown_currency")),
                gxe.ExpectColumnValuesToBeInSet(column="status_normalised", value_set=ORDER_STATUSES,
                                                meta=warning("unknown_status")),
            ],
        ))
    if "refunds" in raw_views:
        orders = raw_views.get("orders")
        order_match = (
            f"""left join (
                    select order_id, try_cast(amount as decimal(18, 2)) as order_amount
                    from (select *, row_number() over (partition by trim(order_id) order by loaded_at) as rank
                          from {orders})
                    where rank = 1
                ) as orders on trim(refunds.order_id) = trim(orders.order_id)"""
            if orders else "left join (select null as order_id, null as order_amount) as orders on false"
        )
        suites.append(SuiteSpec(
            name="raw_refunds",
            query=f"""
                with refunds as (
                    select * from (
                        select *, row_number() over (partition by trim(refund_id) order by loaded_at) as delivery
                        from {raw_views['refunds']}
                    ) where delivery = 1
                )
                select
                    refunds.refund_id, refunds.order_id, refunds.refunded_at, refunds.amount, refunds.loaded_at,
                    try_cast(refunds.refunded_at as timestamp) as refunded_at_value,
                    try_cast(refunds.amount as decimal(18, 2)) as amount_value,
                    orders.order_id is not null as order_found,
                    orders.order_amount,
                    sum(try_cast(refunds.amount as decimal(18, 2))) over (
                        partition by trim(refunds.order_id) order by refunds.refunded_at, refunds.refund_id
                    ) as refunded_to_date
                from refunds
                {order_match}
            """,
            expectations=[
                *_required_present(["refund_id", "order_id", "refunded_at", "amount", "loaded_at"]),
                gxe.ExpectColumnValuesToNotBeNull(column="refund_id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="refunded_at_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToBeBetween(column="amount_value", min_value=0, strict_min=True,
                                                  meta=warning("negative_amount")),
                gxe.ExpectColumnValuesToBeInSet(column="order_found", value_set=[True],
                                                meta=warning("orphan_refund")),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="order_amount", column_B="refunded_to_date",
                                                            or_equal=True, ignore_row_if="either_value_is_missing",
                                                            meta=warning("refund_exceeds_order")),
            ],
        ))
    if "ad_spend" in raw_views:
        suites.append(SuiteSpec(
            name="raw_ad_spend",
            query=f"""
                select
                    spend_date, channel, impressions, clicks, spend, currency,
                    try_cast(spend_date as date) as spend_date_value,
                    nullif(trim(channel), '') as channel_value,
                    try_cast(spend as decimal(18, 2)) as spend_value,
                    try_cast(impressions as bigint) as impressions_value,
                    try_cast(clicks as bigint) as clicks_value,
                    upper(trim(currency)) as currency_normalised
                from {raw_views['ad_spend']}
            """,
            expectations=[
                *_required_present(["spend_date", "channel", "impressions", "clicks", "spend", "currency"]),
                gxe.ExpectColumnValuesToNotBeNull(column="spend_date_value", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="channel_value", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToBeBetween(column="spend_value", min_value=0, meta=warning("negative_amount")),
                gxe.ExpectColumnValuesToBeBetween(column="impressions_value", min_value=0,
                                                  meta=warning("negative_amount")),
                gxe.ExpectColumnValuesToBeBetween(column="clicks_value", min_value=0, meta=warning("negative_amount")),
                gxe.ExpectColumnValuesToBeInSet(column="currency_normalised", value_set=currencies,
                                                meta=warning("unknown_currency")),
            ],
        ))
    return suites


def _unique(*columns: str) -> gxe.Expectation:
    if len(columns) == 1:
        return gxe.ExpectColumnValuesToBeUnique(column=columns[0], meta=fatal())
    return gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns), meta=fatal())


def _rate(column: str) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1, meta=fatal())




def marts_suites(string_columns: dict[str, list[str]], windows: list[int], marts: tuple[str, ...]) -> list[SuiteSpec]:
    """Suites over the given marts; string_columns lists each mart's text columns (checked for e-mail addresses)."""
    def no_email(mart: str) -> list[gxe.Expectation]:
        return [gxe.ExpectColumnValuesToNotMatchRegex(column=c, regex=EMAIL_PATTERN, meta=fatal())
                for c in string_columns.get(mart, [])]

    extra: dict[str, tuple[str, list[gxe.Expectation]]] = {
        "dim_people": ("", [gxe.ExpectColumnValuesToBeInSet(column="level_number", value_set=[2, 3, 4, 5, 6],
                                                             meta=fatal()), _rate("p_alive")]),
        "fct_customer_predictions": ("", [
            _rate("p_alive"),
            gxe.ExpectColumnValuesToBeBetween(column="expected_orders_in_horizon", min_value=0, meta=fatal()),
        ]),
        # a forecast adds expected (non-negative) value to what is already observed in its window
        "mart_cohort_ltv_forecast": ("", [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=f"predicted_ltv_{months}_months", column_B=f"observed_ltv_{months}_months",
                or_equal=True, ignore_row_if="either_value_is_missing", meta=fatal())
            for months in (12, 24)
        ]),
        "fct_level_history": ("", [gxe.ExpectColumnValuesToBeInSet(column="level_number", value_set=[2, 3, 4, 5, 6],
                                                                   meta=fatal())]),
        # stage 1's rate is new visitors per person reached, not a share (docs/decisions.md)
        "mart_stage_funnel": (", case when stage > 1 then conversion_rate end as share_converted",
                              [_rate("share_converted")]),
        "mart_stage_focus": (", case when stage > 1 then conversion_rate end as share_converted",
                             [_rate("share_converted")]),
        "mart_stage_conversion_cohorts": ("", [_rate(f"conversion_rate_within_{d}_days") for d in windows]),
        "mart_cohort_ltv": (
            ", abs(ltv_per_customer - cumulative_net_revenue / cohort_size) < 0.01 as ltv_matches_cumulative",
            [
                _rate("retention_rate"),
                gxe.ExpectColumnValuesToBeInSet(column="ltv_matches_cumulative", value_set=[True], meta=fatal()),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="cohort_size", column_B="active_customers",
                                                            or_equal=True, meta=fatal()),
            ],
        ),
    }
    suites = []
    for mart in marts:
        keys = MART_KEYS[mart]
        derived, expectations = extra.get(mart, ("", []))
        suites.append(SuiteSpec(
            name=f"marts_{mart}",
            query=f"select *{derived} from marts.{mart}",
            expectations=[_unique(*keys), *expectations, *no_email(mart)],
        ))
    return suites


SUITES_DIR = Path(__file__).resolve().parent


# Required columns of the tool tables (as the sources YAML declares them) the raw suites check.
SEGMENT_EVENT_TABLES = ("tracks", "order_completed", "order_refunded", "product_viewed", "product_added",
                        "checkout_started", "signed_up", "unsubscribed")


def tool_raw_suites(raw_views: dict[str, str], klaviyo_metrics: list[str]) -> list[SuiteSpec]:
    """Suites over the tools' raw tables (docs/sources.md#source-systems) present in raw_views:
    GA4's export, each Segment table, Klaviyo's events. Warnings name the quarantine reason the
    tool's staging model gives those rows; klaviyo_metrics are the metric names staging maps."""
    suites: list[SuiteSpec] = []
    if "ga4" in raw_views:
        suites.append(SuiteSpec(
            name="raw_ga4",
            query=f"""
                select
                    event_date, event_timestamp, event_name,
                    -- a refund belongs to its transaction id: kept without a cookie
                    nullif(trim(user_pseudo_id), '') is not null or event_name = 'refund' as has_cookie,
                    try_cast(event_timestamp as bigint) as event_timestamp_value,
                    case when event_name in ('purchase', 'refund')
                         then coalesce(nullif(trim(ecommerce.transaction_id), ''), '(not set)') <> '(not set)'
                    end as has_transaction_id
                from {raw_views['ga4']}
            """,
            expectations=[
                *_required_present(["event_date", "event_timestamp", "event_name"]),
                gxe.ExpectColumnValuesToNotBeNull(column="event_timestamp_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToBeInSet(column="has_cookie", value_set=[True], meta=warning("ga4_no_cookie")),
                gxe.ExpectColumnValuesToBeInSet(column="has_transaction_id", value_set=[True],
                                                meta=warning("missing_transaction_id")),
            ],
        ))
    for directory, view in sorted(raw_views.items()):
        if not directory.startswith("segment/"):
            continue
        table = directory.split("/", 1)[1]
        has_event = table in SEGMENT_EVENT_TABLES
        has_order = table in ("order_completed", "order_refunded")
        suites.append(SuiteSpec(
            name=f"raw_segment_{table}",
            query=f"""
                select
                    id, "timestamp"{", event" if has_event else ""},
                    try_cast("timestamp" as timestamp) as timestamp_value,
                    coalesce(nullif(trim(anonymous_id), ''), nullif(trim(user_id), '')) is not null as has_identifier
                    {", nullif(trim(order_id), '') as order_id_value" if has_order else ""}
                from {view}
            """,
            expectations=[
                *_required_present(["id", "timestamp", *(["event"] if has_event else [])]),
                gxe.ExpectColumnValuesToNotBeNull(column="id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="timestamp_value", meta=warning("bad_timestamp")),
                *([gxe.ExpectColumnValuesToNotBeNull(column="order_id_value", meta=warning("missing_order_id"))]
                  if has_order else []),
            ],
        ))
    if "klaviyo/events" in raw_views:
        suites.append(SuiteSpec(
            name="raw_klaviyo_events",
            query=f"""
                select id, metric_name, datetime, try_cast(datetime as timestamp) as datetime_value
                from {raw_views['klaviyo/events']}
            """,
            expectations=[
                *_required_present(["id", "metric_name", "datetime"]),
                gxe.ExpectColumnValuesToNotBeNull(column="id", meta=warning("missing_key")),
                gxe.ExpectColumnValuesToNotBeNull(column="datetime_value", meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToBeInSet(column="metric_name", value_set=klaviyo_metrics,
                                                meta=warning("klaviyo_unmapped_metric")),
            ],
        ))
    return suites

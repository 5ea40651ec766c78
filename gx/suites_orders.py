"""Great Expectations raw suites of the order tools' files (docs/sources.md): Shopify's orders
export, the Shopify connector's order and refund tables (Fivetran) or orders and order_refunds
streams (Airbyte) and an orders file. Like gx/suites.py: one frame per suite read with DuckDB from the raw views validate.py makes
(columns under their contract names), derived check columns only, never an e-mail address. Row-level problems are warnings (dbt staging
quarantines them); a missing column is stopped earlier by the preflight (exit 2)."""

from __future__ import annotations

import csv
from pathlib import Path

import great_expectations.expectations as gxe
from suites import SuiteSpec, warning

REPO_ROOT = Path(__file__).resolve().parent.parent
OFFSET_TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})? ?([+-]\d{2}:?\d{2}|Z)$"


def mapped_statuses(source_system: str) -> tuple[list[str], list[str]]:
    """(statuses that map to completed/cancelled, statuses quarantined) of seeds/order_statuses.csv."""
    with (REPO_ROOT / "seeds" / "order_statuses.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["source_system"] == source_system]
    return ([row["source_status"] for row in rows if row["status"]],
            [row["source_status"] for row in rows if row["quarantine_reason"]])


def shopify_order_expectations(currencies: list[str]) -> list:
    """The row checks of a Shopify connector's orders, Fivetran's table or Airbyte's stream: each
    warns with the quarantine reason staging gives the row."""
    return [
        gxe.ExpectColumnValuesToBeInSet(column="is_test", value_set=[False], meta=warning("test_order")),
        gxe.ExpectColumnValuesToBeInSet(column="is_deleted", value_set=[False], meta=warning("deleted_row")),
        gxe.ExpectColumnValuesToNotBeNull(column="total_value", meta=warning("bad_amount")),
        gxe.ExpectColumnValuesToBeInSet(column="currency_normalised", value_set=currencies,
                                        meta=warning("unknown_currency")),
    ]


def refund_money(raw_views: dict[str, str]) -> str:
    """A select of (refund_id, money) per refund from Fivetran's refund lines and adjustments, netted
    as stg_shopify__refund_parts nets them (lines: subtotal + tax; adjustments: minus amount + tax)."""
    parts = ["select cast(null as varchar) as refund_id, cast(0 as double) as money where false"]
    if "shopify/order_line_refund" in raw_views:
        parts.append("select cast(refund_id as varchar), coalesce(try_cast(subtotal as double), 0) "
                     f"+ coalesce(try_cast(total_tax as double), 0) from {raw_views['shopify/order_line_refund']}")
    if "shopify/order_adjustment" in raw_views:
        parts.append("select cast(refund_id as varchar), -(coalesce(try_cast(amount as double), 0) "
                     f"+ coalesce(try_cast(tax_amount as double), 0)) from {raw_views['shopify/order_adjustment']}")
    return f"select refund_id, sum(money) as money from ({' union all '.join(parts)}) as parts group by refund_id"


def shopify_refund_suites(raw_views: dict[str, str]) -> list[SuiteSpec]:
    """Suites of the connector's refunds (Fivetran's refund table and its lines and adjustments,
    Airbyte's order_refunds stream): each warns with the quarantine reason staging gives the row."""
    suites: list[SuiteSpec] = []
    if "shopify/refund" in raw_views:
        suites.append(SuiteSpec(
            name="raw_shopify_refund",
            query=f"""
                select
                    coalesce(try_cast(refunds._fivetran_deleted as boolean), false) as is_deleted,
                    -- a refund whose lines and adjustments return nothing (a restock only)
                    round(coalesce(money.money, 0), 2) <> 0 as returns_money,
                    coalesce(try_cast(refunds.processed_at as timestamp), try_cast(refunds.created_at as timestamp))
                        is not null as refunded_at_readable
                from {raw_views['shopify/refund']} as refunds
                left join ({refund_money(raw_views)}) as money
                    on cast(refunds.id as varchar) = money.refund_id
            """,
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="is_deleted", value_set=[False], meta=warning("deleted_row")),
                gxe.ExpectColumnValuesToBeInSet(column="returns_money", value_set=[True],
                                                meta=warning("no_money_refunded")),
                gxe.ExpectColumnValuesToBeInSet(column="refunded_at_readable", value_set=[True],
                                                meta=warning("bad_timestamp")),
            ],
        ))
    parts = [raw_views[name] for name in ("shopify/order_line_refund", "shopify/order_adjustment") if name in raw_views]
    if parts:
        refund_ids = (f"select cast(id as varchar) from {raw_views['shopify/refund']}" if "shopify/refund" in raw_views
                      else "select cast(null as varchar) where false")
        suites.append(SuiteSpec(
            name="raw_shopify_refund_parts",
            query=f"""
                select cast(refund_id as varchar) in ({refund_ids}) as refund_is_synced
                from ({' union all '.join(f'select refund_id from {view}' for view in parts)}) as parts
            """,
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="refund_is_synced", value_set=[True],
                                                meta=warning("orphan_refund_line")),
            ],
        ))
    if "shopify/order_refunds" in raw_views:
        suites.append(SuiteSpec(
            name="raw_shopify_airbyte_order_refunds",
            query=f"""
                select
                    round(
                        coalesce(list_sum(list_transform(refund_line_items,
                            lambda line: coalesce(line.subtotal, 0) + coalesce(line.total_tax, 0))), 0)
                        - coalesce(list_sum(list_transform(order_adjustments,
                            lambda adjustment: coalesce(try_cast(adjustment.amount as double), 0)
                                + coalesce(try_cast(adjustment.tax_amount as double), 0))), 0),
                        2) <> 0 as returns_money,
                    coalesce(try_cast(processed_at as timestamptz), try_cast(created_at as timestamptz))
                        is not null as refunded_at_readable
                from {raw_views['shopify/order_refunds']}
            """,
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="returns_money", value_set=[True],
                                                meta=warning("no_money_refunded")),
                gxe.ExpectColumnValuesToBeInSet(column="refunded_at_readable", value_set=[True],
                                                meta=warning("bad_timestamp")),
            ],
        ))
    return suites


def order_tool_suites(raw_views: dict[str, str], currencies: list[str], project_var) -> list[SuiteSpec]:
    """Suites over the order tools' raw views present in raw_views; project_var(name) reads a dbt var
    as the build gets it (column maps, formats)."""
    suites: list[SuiteSpec] = []
    if "shopify_csv" in raw_views:
        statuses, pending = mapped_statuses("shopify")
        suites.append(SuiteSpec(
            name="raw_shopify_csv_orders",
            query=f"""
                select
                    name is not null as has_name,
                    nullif(trim(email), '') is not null as has_email,
                    regexp_matches(trim(created_at), '{OFFSET_TIMESTAMP}') as created_at_has_offset,
                    try_cast(total as decimal(18, 2)) as total_value,
                    upper(trim(currency)) as currency_normalised,
                    case when nullif(trim(cancelled_at), '') is null then lower(trim(financial_status)) end
                        as open_financial_status
                from {raw_views['shopify_csv']}
                -- an order's fields are on its first row only: the rows with a Financial Status
                where nullif(trim(financial_status), '') is not null
            """,
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="has_email", value_set=[True], meta=warning("missing_key")),
                gxe.ExpectColumnValuesToBeInSet(column="created_at_has_offset", value_set=[True],
                                                meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToNotBeNull(column="total_value", meta=warning("bad_amount")),
                gxe.ExpectColumnValuesToBeInSet(column="currency_normalised", value_set=currencies,
                                                meta=warning("unknown_currency")),
                gxe.ExpectColumnValuesToNotBeInSet(column="open_financial_status", value_set=pending,
                                                   meta=warning("payment_pending")),
                gxe.ExpectColumnValuesToBeInSet(column="open_financial_status", value_set=statuses + pending,
                                                meta=warning("unknown_status")),
            ],
        ))
    if "shopify/order" in raw_views:
        suites.append(SuiteSpec(
            name="raw_shopify_order",
            query=f"""
                select
                    coalesce(try_cast(test as boolean), false) as is_test,
                    coalesce(try_cast(_fivetran_deleted as boolean), false) as is_deleted,
                    try_cast(total_price as decimal(18, 2)) as total_value,
                    upper(trim(currency)) as currency_normalised
                from {raw_views['shopify/order']}
            """,
            expectations=shopify_order_expectations(currencies),
        ))
    if "shopify/orders" in raw_views:
        orders = raw_views["shopify/orders"]
        deletion = "(deleted_at is not null or coalesce(try_cast(is_deleted as boolean), false))"
        suites.append(SuiteSpec(
            name="raw_shopify_airbyte_orders",
            query=f"""
                select
                    coalesce(try_cast(test as boolean), false) as is_test,
                    -- an order whose id has a deletion row (Airbyte's row for a deleted order)
                    id in (select id from {orders} where {deletion}) as is_deleted,
                    try_cast(total_price as decimal(18, 2)) as total_value,
                    upper(trim(currency)) as currency_normalised
                from {orders}
                -- a deletion row carries no order fields: the order's own rows are checked
                where not {deletion}
            """,
            expectations=shopify_order_expectations(currencies),
        ))
    suites += shopify_refund_suites(raw_views)
    if "orders_file" in raw_views:
        column_map = project_var("orders_file_columns")
        line_level = column_map.get("quantity") is not None and column_map.get("unit_price") is not None
        number = "try_cast(quantity as decimal(18, 4)) * try_cast(unit_price as decimal(18, 4))" if line_level \
            else "try_cast(amount as decimal(18, 4))"
        timestamp_format = project_var("orders_file_timestamp_format")
        parsed = (f"coalesce(try_strptime(trim(ordered_at), '{timestamp_format}'), try_cast(ordered_at as timestamp))"
                  if timestamp_format else "try_cast(ordered_at as timestamptz)")
        default_currency = project_var("orders_file_currency")
        currency = f"coalesce(nullif(trim(currency), ''), '{default_currency}')" if default_currency else "currency"
        suites.append(SuiteSpec(
            name="raw_orders_file",
            query=f"""
                select
                    nullif(trim(order_id), '') is not null as has_order_id,
                    coalesce(nullif(trim(customer_id), ''), nullif(trim(email), '')) is not null as has_customer,
                    {parsed} is not null as ordered_at_readable,
                    {number} as amount_value,
                    upper(trim({currency})) as currency_normalised
                from {raw_views['orders_file']}
            """,
            expectations=[
                gxe.ExpectColumnValuesToBeInSet(column="has_order_id", value_set=[True], meta=warning("missing_key")),
                gxe.ExpectColumnValuesToBeInSet(column="has_customer", value_set=[True], meta=warning("missing_key")),
                gxe.ExpectColumnValuesToBeInSet(column="ordered_at_readable", value_set=[True],
                                                meta=warning("bad_timestamp")),
                gxe.ExpectColumnValuesToNotBeNull(column="amount_value", meta=warning("bad_amount")),
                gxe.ExpectColumnValuesToBeInSet(column="currency_normalised", value_set=currencies,
                                                meta=warning("unknown_currency")),
            ],
        ))
    return suites

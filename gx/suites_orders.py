"""Great Expectations raw suites of the order tools' files (docs/sources.md): Shopify's orders
export, the Shopify connector's order table (Fivetran) or orders stream (Airbyte) and an orders
file. Like gx/suites.py: one frame per suite read with DuckDB from the raw views validate.py makes
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

"""Write a canonical raw store's web events (and orders) as GA4, Segment / RudderStack and Klaviyo deliver them.

The demo generator (`generate_data.py --format ga4|segment`) and the tests use it: the same store in
the canonical contract and in a tool's format must build the same marts (docs/sources.md).
  ga4      - <out>/ga4/events_YYYYMMDD/part-0.parquet, BigQuery's export schema with nested
             event_params, ecommerce and collected_traffic_source;
  segment  - <out>/segment/<table>/part-0.parquet: pages, identifies, tracks and the per-event tables;
  klaviyo  - <out>/klaviyo/events/part-0.parquet: "Subscribed to List" / "Unsubscribed" metric events
             (with email_source klaviyo, the web format then carries no sign-up events).
Orders and refunds become purchase / refund (Order Completed / Order Refunded) events with
order_source web; ad spend and erasure requests stay in the contract.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

import duckdb

log = logging.getLogger("formats_web")

WEB_FORMATS = ("ga4", "segment")
SITE = "https://shop.example"
CONTRACT_KEPT = ("ad_spend", "erasure_requests")

# canonical event_type -> GA4 event_name (a product page view is GA4's view_item)
GA4_EVENT_NAMES = {
    "page_view": "page_view", "email_signup": "sign_up", "email_unsubscribe": "unsubscribe",
    "identify": "login", "add_to_cart": "add_to_cart", "checkout_started": "begin_checkout",
}
# canonical event_type -> Segment track event (page views are `pages`, identify calls `identifies`)
SEGMENT_TRACKS = {
    "email_signup": "Signed Up", "email_unsubscribe": "Unsubscribed", "add_to_cart": "Product Added",
    "checkout_started": "Checkout Started",
}


def _table(event: str) -> str:
    """The slug Segment and RudderStack load in a track call's `event` column and name its per-event
    table by (go-snakecase for the store's names: lower-case, words joined by underscores)."""
    return "_".join(event.lower().split())


def _load(connection: duckdb.DuckDBPyConnection, canonical: Path) -> None:
    """Views events, orders and refunds over the canonical store (empty when a directory is absent)."""
    empty = {
        "events": "select null::varchar as event_id, null::varchar as event_type, null::varchar as anonymous_id, "
                  "null::varchar as customer_id, null::varchar as email, null::timestamp as occurred_at, "
                  "null::timestamp as loaded_at, null::varchar as utm_source, null::varchar as utm_medium, "
                  "null::varchar as utm_campaign, null::varchar as page_path, null::varchar as referrer where false",
        "orders": "select null::varchar as order_id, null::varchar as customer_id, null::varchar as email, "
                  "null::timestamp as ordered_at, null::varchar as currency, null::decimal(18,2) as amount, "
                  "null::varchar as status, null::timestamp as loaded_at where false",
        "refunds": "select null::varchar as refund_id, null::varchar as order_id, null::timestamp as refunded_at, "
                   "null::decimal(18,2) as amount, null::timestamp as loaded_at where false",
    }
    for name, fallback in empty.items():
        files = sorted((canonical / name).glob("**/*.parquet"))
        if files:
            pattern = str(canonical / name / "**" / "*.parquet").replace("'", "''")
            body = f"select * from read_parquet('{pattern}', union_by_name = true, hive_partitioning = false)"
        else:
            body = fallback
        connection.execute(f"create or replace view {name} as {body}")


def _string_param(key: str, value: str) -> str:
    return (f"{{'key': '{key}', 'value': {{'string_value': {value}, 'int_value': null::bigint, "
            f"'float_value': null::double, 'double_value': null::double}}}}")


def _number_param(key: str, value: str) -> str:
    return (f"{{'key': '{key}', 'value': {{'string_value': null::varchar, 'int_value': null::bigint, "
            f"'float_value': null::double, 'double_value': {value}}}}}")


def write_ga4(connection: duckdb.DuckDBPyConnection, out: Path, email_source: str, order_source: str) -> int:
    """GA4 daily export tables, one directory per day (events_YYYYMMDD). Returns the rows written."""
    names = " ".join(f"when '{kind}' then '{name}'" for kind, name in GA4_EVENT_NAMES.items())
    skipped = "('email_signup', 'email_unsubscribe')" if email_source == "klaviyo" else "('')"
    params = ", ".join([
        _string_param("page_location", f"'{SITE}' || page_path"),
        _string_param("page_referrer", "referrer"),
        _string_param("source", "utm_source"),
        _string_param("medium", "utm_medium"),
        _string_param("campaign", "utm_campaign"),
        _string_param("currency", "null::varchar"),
    ])
    events = f"""
        select
            occurred_at,
            case when event_type = 'page_view' and page_path like '/products/%' then 'view_item'
                 else case event_type {names} end end as event_name,
            anonymous_id as user_pseudo_id,
            customer_id as user_id,
            [{params}] as event_params,
            null::struct(transaction_id varchar, purchase_revenue double, refund_value double) as ecommerce,
            {{'manual_source': utm_source, 'manual_medium': utm_medium,
              'manual_campaign_name': utm_campaign}} as collected_traffic_source
        from events
        where event_type not in {skipped}
    """
    commerce = ""
    if order_source == "web":
        # a cancelled order reaches GA4 as a purchase refunded in full at once (no purchase is ever "cancelled")
        commerce = f"""
            union all
            select
                ordered_at, 'purchase', 'checkout-' || customer_id, customer_id,
                [{_string_param('currency', 'currency')}, {_number_param('value', 'amount::double')}],
                {{'transaction_id': order_id, 'purchase_revenue': amount::double, 'refund_value': null::double}},
                null
            from orders
            union all
            select
                refunded_at, 'refund', 'checkout-' || orders.customer_id, orders.customer_id,
                [{_string_param('currency', 'orders.currency')}, {_number_param('value', 'refunds.amount::double')}],
                {{'transaction_id': refunds.order_id, 'purchase_revenue': null::double,
                  'refund_value': refunds.amount::double}},
                null
            from refunds
            inner join (select distinct on (order_id) * from orders order by order_id, loaded_at) as orders
                on refunds.order_id = orders.order_id
            union all
            select
                ordered_at, 'refund', 'checkout-' || customer_id, customer_id,
                [{_string_param('currency', 'currency')}, {_number_param('value', 'amount::double')}],
                {{'transaction_id': order_id, 'purchase_revenue': null::double, 'refund_value': amount::double}},
                null
            from orders
            where status = 'cancelled'
        """
    connection.execute(f"""
        create or replace temp table ga4_rows as
        select
            strftime(occurred_at, '%Y%m%d') as event_date,
            epoch_us(occurred_at) as event_timestamp,
            event_name, event_params, user_pseudo_id, user_id, ecommerce, collected_traffic_source,
            'events_' || strftime(occurred_at, '%Y%m%d') as export_table
        from ({events} {commerce}) as rows(occurred_at, event_name, user_pseudo_id, user_id, event_params,
                                         ecommerce, collected_traffic_source)
    """)
    target = out / "ga4"
    target.mkdir(parents=True, exist_ok=True)
    # one directory per exported BigQuery table, named after it: events_YYYYMMDD/part-0.parquet
    connection.execute(f"""
        copy (select * from ga4_rows order by event_timestamp)
        to '{str(target).replace("'", "''")}' (format parquet, partition_by (export_table), overwrite_or_ignore)
    """)
    for directory in target.glob("export_table=*"):
        directory.rename(target / directory.name.split("=", 1)[1])
    return connection.execute("select count(*) from ga4_rows").fetchall()[0][0]


def _copy(connection: duckdb.DuckDBPyConnection, query: str, target: Path) -> int:
    rows = connection.execute(f"select count(*) from ({query})").fetchall()[0][0]
    if rows:
        target.mkdir(parents=True, exist_ok=True)
        connection.execute(f"copy ({query}) to '{str(target / 'part-0.parquet').replace(chr(39), chr(39) * 2)}' "
                           "(format parquet)")
    return rows


def write_segment(connection: duckdb.DuckDBPyConnection, out: Path, email_source: str, order_source: str) -> int:
    """Segment's warehouse tables: pages, identifies, tracks and one table per track event."""
    common = """
        event_id as id, anonymous_id, customer_id as user_id, occurred_at as timestamp,
        occurred_at as original_timestamp, loaded_at as received_at, loaded_at as sent_at, loaded_at,
        page_path as context_page_path, referrer as context_page_referrer, '{site}' || page_path as context_page_url,
        utm_source as context_campaign_source, utm_medium as context_campaign_medium,
        utm_campaign as context_campaign_name
    """.format(site=SITE)
    root = out / "segment"
    written = _copy(connection, f"""
        select {common}, page_path as path, '{SITE}' || page_path as url, referrer
        from events where event_type = 'page_view' and page_path not like '/products/%'
    """, root / "pages")
    written += _copy(connection, f"select {common}, email from events where event_type = 'identify'", root / "identifies")
    tracks = dict(SEGMENT_TRACKS)
    if email_source == "klaviyo":
        tracks = {kind: name for kind, name in tracks.items() if kind not in ("email_signup", "email_unsubscribe")}
    # event: the slug (the per-event table's name), event_text: the name as sent - as both tools load them
    track_queries = [
        f"select {common}, 'product_viewed' as event, 'Product Viewed' as event_text, null::varchar as email "
        "from events where event_type = 'page_view' and page_path like '/products/%'"
    ] + [
        f"select {common}, '{_table(name)}' as event, '{name}' as event_text, email from events "
        f"where event_type = '{kind}'"
        for kind, name in tracks.items()
    ]
    if order_source == "web":
        order_common = """
            {id} as id, 'checkout-' || customer_id as anonymous_id, customer_id as user_id, {at} as timestamp,
            {at} as original_timestamp, loaded_at as received_at, loaded_at as sent_at, loaded_at,
            '/checkout/thank-you' as context_page_path, null::varchar as context_page_referrer,
            '{site}/checkout/thank-you' as context_page_url, null::varchar as context_campaign_source,
            null::varchar as context_campaign_medium, null::varchar as context_campaign_name
        """
        track_queries.append(
            "select " + order_common.format(id="order_id", at="ordered_at", site=SITE)
            + ", 'order_completed' as event, 'Order Completed' as event_text, email, order_id, "
            "amount::double as total, amount::double as revenue, currency from orders")
        # a cancelled order reaches Segment as an order refunded in full at once
        track_queries.append(
            "select " + order_common.format(id="'cancel-' || order_id", at="ordered_at", site=SITE)
            + ", 'order_refunded' as event, 'Order Refunded' as event_text, null::varchar as email, order_id, "
            "amount::double as total, amount::double as revenue, currency from orders where status = 'cancelled'")
        track_queries.append(
            "select " + order_common.format(id="refunds.refund_id", at="refunds.refunded_at", site=SITE).replace(
                "customer_id", "orders.customer_id").replace("loaded_at", "refunds.loaded_at")
            + ", 'order_refunded' as event, 'Order Refunded' as event_text, null::varchar as email, "
            "refunds.order_id, refunds.amount::double as total, refunds.amount::double as revenue, orders.currency "
            "from refunds inner join (select distinct on (order_id) * from orders order by order_id, loaded_at) "
            "as orders on refunds.order_id = orders.order_id")
    connection.execute("create or replace temp table segment_tracks as "
                       + " union all by name ".join(f"({query})" for query in track_queries))
    events = [row[0] for row in connection.execute("select distinct event from segment_tracks order by 1").fetchall()]
    # tracks: every track call, common columns only; the per-event table: the call with its properties
    written += _copy(connection, """
        select id, anonymous_id, user_id, timestamp, original_timestamp, received_at, sent_at, loaded_at,
               context_page_path, context_page_referrer, context_page_url, context_campaign_source,
               context_campaign_medium, context_campaign_name, event, event_text
        from segment_tracks
    """, root / "tracks")
    for event in events:
        written += _copy(connection, f"select * from segment_tracks where event = '{event}'", root / event)
    return written


def write_klaviyo(connection: duckdb.DuckDBPyConnection, out: Path) -> int:
    """Klaviyo subscription metric events (Events API, flattened): sign-ups and unsubscribes."""
    return _copy(connection, """
        select
            'kl-' || event_id as id,
            case event_type when 'email_signup' then 'Subscribed to List' else 'Unsubscribed' end as metric_name,
            occurred_at as datetime,
            email,
            customer_id as external_id,
            loaded_at as loaded_at
        from events
        where event_type in ('email_signup', 'email_unsubscribe')
    """, out / "klaviyo" / "events")


def convert_store(canonical: Path, out: Path, web_format: str, email_source: str = "web",
                  order_source: str = "contract") -> dict[str, int]:
    """Write <out> from the canonical store <canonical>: the web source in `web_format`, sign-ups in
    Klaviyo when email_source is klaviyo, orders as web events when order_source is web."""
    if web_format not in WEB_FORMATS:
        raise ValueError(f"unknown web format {web_format!r}: one of {', '.join(WEB_FORMATS)}")
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect() as connection:
        connection.execute("set timezone = 'UTC'")
        _load(connection, canonical)
        writer = write_ga4 if web_format == "ga4" else write_segment
        written[web_format] = writer(connection, out, email_source, order_source)
        if email_source == "klaviyo":
            written["klaviyo"] = write_klaviyo(connection, out)
    kept = list(CONTRACT_KEPT) + ([] if order_source == "web" else ["orders", "refunds"])
    for name in kept:
        if (canonical / name).exists():
            shutil.copytree(canonical / name, out / name, dirs_exist_ok=True)
    log.info("wrote %s from %s: %s", out, canonical, written)
    return written


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--canonical", type=Path, required=True, help="canonical raw store to read")
    parser.add_argument("--out", type=Path, required=True, help="raw store to write")
    parser.add_argument("--format", choices=WEB_FORMATS, required=True, help="web source format")
    parser.add_argument("--email-source", choices=("web", "klaviyo"), default="web")
    parser.add_argument("--order-source", choices=("contract", "web"), default="contract")
    args = parser.parse_args(argv)
    convert_store(args.canonical, args.out, args.format, args.email_source, args.order_source)
    return 0


if __name__ == "__main__":
    sys.exit(main())

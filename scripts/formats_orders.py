"""Writers of the demo store's orders in the order tools' formats (docs/sources.md): Shopify's
orders export (shopify_csv) and an orders file in the default column map (orders_file).

generate_data.py writes the contract's orders/ and refunds/ first; write_order_format() then
replaces them with the tool's files, so the same store can be built with var order_source.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

log = logging.getLogger("formats_orders")

ORDER_FORMATS = ("shopify_csv", "orders_file")
# The demo shop's clock for the export's offsets (daylight saving included).
SHOP_TIMEZONE = ZoneInfo("America/New_York")
# The columns of Shopify's orders export that the project reads, in the export's order, with a few
# it ignores (the admin writes about 70; docs/sources.md#shopify-export).
SHOPIFY_HEADER = ["Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Accepts Marketing",
                  "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
                  "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
                  "Cancelled at", "Refunded Amount", "Id"]
ORDERS_FILE_HEADER = ["order_id", "customer_id", "email", "ordered_at", "amount", "currency", "status"]
PRODUCTS = [("P1", "Linen shirt"), ("P2", "Wool socks"), ("P3", "Canvas tote"), ("P4", "Rain jacket")]


def read_source(raw_dir: Path, source: str) -> list[dict]:
    """Rows of one contract source, first delivery of each key only (an export holds each order once)."""
    directory = raw_dir / source
    if not directory.exists():
        return []
    table = ds.dataset(directory, format="parquet", partitioning="hive").to_table()
    rows = sorted(table.to_pylist(), key=lambda r: (r["loaded_at"], str(r.get("order_id")), str(r.get("refund_id"))))
    key = "order_id" if source == "orders" else "refund_id"
    seen: set[str] = set()
    first = []
    for row in rows:
        if row[key] not in seen:
            seen.add(row[key])
            first.append(row)
    return first


def shop_time(utc: dt.datetime) -> str:
    """'2024-03-10 01:30:00 -0500': the shop's wall-clock time and UTC offset, as the export writes it."""
    return utc.replace(tzinfo=dt.UTC).astimezone(SHOP_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S %z")


def money(value) -> str:
    return f"{value:.2f}"


def line_items(rng: np.random.Generator, amount) -> list[tuple[int, str, str, object]]:
    """(quantity, name, sku, unit price) lines summing to the order's amount: one line, or two."""
    first = PRODUCTS[int(rng.integers(len(PRODUCTS)))]
    if amount < 2 or rng.random() < 0.6:
        return [(1, first[1], first[0], amount)]
    second = PRODUCTS[(PRODUCTS.index(first) + 1) % len(PRODUCTS)]
    second_price = round(float(amount) * float(rng.uniform(0.2, 0.5)) / 2, 2)
    second_total = type(amount)(f"{second_price * 2:.2f}")
    return [(1, first[1], first[0], amount - second_total), (2, second[1], second[0], type(amount)(f"{second_price:.2f}"))]


def checkout_emails(orders: list[dict]) -> dict[str, str]:
    """Each customer's e-mail at checkout. Shopify's checkout requires one, but the demo's contract
    orders leave it out on some (a store that keeps the customer id instead): such an order gets the
    address the customer gave on another order, else one made from the customer id, so that no
    exported order is without an e-mail (the export's only key to the person)."""
    emails: dict[str, str] = {}
    for order in sorted(orders, key=lambda o: (o["ordered_at"], o["order_id"])):
        if order["email"] and order["customer_id"] not in emails:
            emails[order["customer_id"]] = order["email"]
    return {order["customer_id"]: emails.get(order["customer_id"], f"{order['customer_id'].lower()}@customers.example")
            for order in orders}


def shopify_export_rows(orders: list[dict], refunds: list[dict], seed: int) -> list[list[str]]:
    """The export: newest order first, one row per line item, the order's fields on its first row."""
    rng = np.random.default_rng([seed, 17])
    emails = checkout_emails(orders)
    refunded: dict[str, object] = {}
    for refund in refunds:
        refunded[refund["order_id"]] = refunded.get(refund["order_id"], 0) + refund["amount"]
    rows: list[list[str]] = []
    for number, order in enumerate(sorted(orders, key=lambda o: (o["ordered_at"], o["order_id"]), reverse=True)):
        amount = order["amount"]
        refund = refunded.get(order["order_id"], 0)
        cancelled = order["status"] == "cancelled"
        status = ("voided" if cancelled else "refunded" if refund and refund >= amount
                  else "partially_refunded" if refund else "paid")
        created = shop_time(order["ordered_at"])
        name = "#" + order["order_id"]
        for position, (quantity, product, sku, price) in enumerate(line_items(rng, amount)):
            order_fields = position == 0
            rows.append([
                name, order["email"] or emails[order["customer_id"]],
                status if order_fields else "", created if order_fields and not cancelled else "",
                "fulfilled" if order_fields else "", ("yes" if rng.random() < 0.4 else "no") if order_fields else "",
                order["currency"] if order_fields else "", money(amount) if order_fields else "",
                "0.00" if order_fields else "", "0.00" if order_fields else "", money(amount) if order_fields else "",
                "", "0.00" if order_fields else "", created if order_fields else "",
                str(quantity), product, money(price), sku,
                shop_time(order["ordered_at"] + dt.timedelta(hours=1)) if order_fields and cancelled else "",
                money(refund) if order_fields and refund else ("0.00" if order_fields else ""),
                str(4_000_000 + number) if order_fields else "",
            ])
    return rows


def orders_file_rows(orders: list[dict], refunds: list[dict]) -> list[list[str]]:
    """Order level, in the default column map: each order, then each refund as a credit row (a
    negative amount) at its own time, which staging matches to the customer's latest earlier order."""
    by_id = {order["order_id"]: order for order in orders}
    rows = [[o["order_id"], o["customer_id"], o["email"] or "", o["ordered_at"].isoformat(sep=" "),
             money(o["amount"]), o["currency"], o["status"]] for o in orders]
    for refund in refunds:
        order = by_id.get(refund["order_id"])
        if order is None:
            continue
        rows.append(["CR-" + refund["refund_id"], order["customer_id"], order["email"] or "",
                     refund["refunded_at"].isoformat(sep=" "), money(-refund["amount"]), order["currency"], "completed"])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)


def without_customer_ids(events_dir: Path) -> None:
    """The export has no customer ids (its person is the e-mail's keyed hash), so the demo's web
    events must not carry the contract's: they link to buyers through their e-mails and cookies,
    as a store's tracking without Shopify's customer id does (docs/sources.md#shopify-export)."""
    for path in sorted(events_dir.glob("**/*.parquet")):
        table = pq.ParquetFile(path).read()
        index = table.schema.get_field_index("customer_id")
        table = table.set_column(index, "customer_id", pa.nulls(table.num_rows, table.schema.field(index).type))
        pq.write_table(table, path)


def write_order_format(raw_dir: Path, order_format: str, seed: int) -> None:
    """Replace the contract's orders/ and refunds/ under raw_dir by the same orders in order_format."""
    if order_format not in ORDER_FORMATS:
        raise ValueError(f"unknown order format {order_format!r} (one of {', '.join(ORDER_FORMATS)})")
    orders, refunds = read_source(raw_dir, "orders"), read_source(raw_dir, "refunds")
    if order_format == "shopify_csv":
        write_csv(raw_dir / "shopify_csv" / "orders_export_1.csv", SHOPIFY_HEADER,
                  shopify_export_rows(orders, refunds, seed))
        without_customer_ids(raw_dir / "events")
    else:
        write_csv(raw_dir / "orders_file" / "orders.csv", ORDERS_FILE_HEADER, orders_file_rows(orders, refunds))
    for source in ("orders", "refunds"):
        shutil.rmtree(raw_dir / source, ignore_errors=True)
    log.info("%s orders and %s refunds written as %s", f"{len(orders):,}", f"{len(refunds):,}", order_format)

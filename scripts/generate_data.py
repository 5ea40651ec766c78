"""Generate a believable, deterministic demo store in the raw-data contract (docs/sources.md).

Visitors arrive from paid channels, organic search or directly, come back a few times, a few per
cent sign up to e-mail, some buy, a minority buy again with decaying frequency and a few fans buy
often. Orders come in three currencies, some are cancelled or refunded, events arrive late and a
small share of rows is delivered twice. Everything is vectorised with NumPy and written with Arrow,
so ten million events take a couple of minutes on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from formats_web import WEB_FORMATS, convert_store  # noqa: E402
from formats_orders import ORDER_FORMATS, write_order_format  # noqa: E402

log = logging.getLogger("generate_data")

SECONDS_PER_DAY = 86_400
COMPLETE_MARKER = "_COMPLETE"
# The formats a generated store is written in, so --append-day writes the next day in them too.
FORMATS_MANIFEST = "_formats.json"
# A store in a tool's format keeps the same store in the raw-data contract here (no source reads it):
# the next day is generated from it, as from a contract store, then written in the tools' formats.
CANONICAL_TWIN = ".canonical"

# Where first visits come from: (utm_source, utm_medium, referrer, share of new visitors).
ACQUISITION_SOURCES: list[tuple[str | None, str | None, str | None, float]] = [
    ("google_ads", "cpc", "https://www.google.com/", 0.22),
    ("meta_ads", "paid_social", "https://www.facebook.com/", 0.18),
    ("tiktok_ads", "paid_social", "https://www.tiktok.com/", 0.08),
    (None, None, "https://www.google.com/", 0.32),  # organic search: no campaign tags
    (None, None, None, 0.20),  # direct
]
# Paid channels: (channel, cost per click, spend currency, platform reports reach).
PAID_CHANNELS: list[tuple[str, float, str, bool]] = [
    ("google_ads", 1.10, "USD", True),
    ("meta_ads", 0.80, "USD", True),
    ("tiktok_ads", 0.45, "EUR", False),
]
CURRENCIES = np.array(["USD", "EUR", "GBP"])
CURRENCY_SHARES = [0.7, 0.2, 0.1]
PAGES = np.array(["/", "/products/linen-shirt", "/products/wool-socks", "/collections/new", "/about"])


@dataclass(frozen=True)
class StoreFormats:
    """The formats of a generated store's sources: web events (contract, ga4, segment), e-mail
    sign-ups (web, klaviyo) and orders (contract, web, shopify_csv, orders_file)."""
    web: str = "contract"
    email: str = "web"
    orders: str = "contract"

    @property
    def is_contract(self) -> bool:
        return self.web == "contract" and self.orders not in ORDER_FORMATS


def read_formats(out: Path) -> StoreFormats:
    """The formats recorded in a generated store (a store without the manifest is in the contract)."""
    manifest = out / FORMATS_MANIFEST
    return StoreFormats(**json.loads(manifest.read_text())) if manifest.exists() else StoreFormats()


@dataclass(frozen=True)
class StoreSpec:
    visitors: int
    start: dt.date
    end: dt.date
    seed: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_epoch(self) -> int:
        return int(dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC).timestamp())


def prefixed_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    """'prefix' followed by each number, built in Arrow (no Python loop)."""
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def to_timestamps(epoch_seconds: np.ndarray) -> pa.Array:
    return pa.array(epoch_seconds.astype("int64") * 1_000_000, type=pa.timestamp("us"))


def group_offsets(counts: np.ndarray) -> np.ndarray:
    """Position of each repeated row inside its group, for np.repeat(..., counts)."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(counts.sum()) - starts


def load_delays(rng: np.random.Generator, size: int, late_share: float) -> np.ndarray:
    """Seconds between an event and its delivery: minutes usually, days for a late share."""
    delays = rng.integers(300, 5_400, size)
    late = rng.random(size) < late_share
    delays[late] += rng.integers(1, 6, late.sum()) * SECONDS_PER_DAY
    return delays


def messy_emails(rng: np.random.Generator, person_numbers: np.ndarray) -> pa.Array:
    """user<N>@example.com, with the case and padding real forms produce for one in ten."""
    clean = prefixed_ids("user", person_numbers)
    clean = pc.binary_join_element_wise(clean, "@example.com", "")
    messy = rng.random(len(person_numbers)) < 0.1
    variant = pc.binary_join_element_wise(" ", pc.utf8_upper(clean), "")
    return pc.if_else(pa.array(messy), variant, clean)


def generate_visits(rng: np.random.Generator, spec: StoreSpec) -> dict[str, np.ndarray]:
    n = spec.visitors
    # A growing store: the density of first visits rises linearly over the period.
    first_day = np.floor(spec.days * np.sqrt(rng.random(n))).astype(np.int64)
    shares = np.array([s[3] for s in ACQUISITION_SOURCES])
    source = rng.choice(len(ACQUISITION_SOURCES), n, p=shares / shares.sum())
    visits_per_visitor = rng.geometric(0.5, n)
    visitor = np.repeat(np.arange(n), visits_per_visitor)
    visit_rank = group_offsets(visits_per_visitor)
    gaps = rng.exponential(20.0, len(visitor))
    gaps[visit_rank == 0] = 0.0
    cumulative = np.cumsum(gaps)
    offset = cumulative - np.repeat(cumulative[np.cumsum(visits_per_visitor) - visits_per_visitor], visits_per_visitor)
    day = first_day[visitor] + np.floor(offset).astype(np.int64)
    keep = day < spec.days
    visitor, visit_rank, day = visitor[keep], visit_rank[keep], day[keep]
    # Later visits are mostly direct; some come back through the channel that found them.
    visit_source = np.where(
        (visit_rank == 0) | (rng.random(len(visitor)) < 0.4), source[visitor], len(ACQUISITION_SOURCES) - 1
    )
    start = spec.start_epoch + day * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY - 3_600, len(visitor))
    return {"visitor": visitor, "visit_rank": visit_rank, "day": day, "source": visit_source, "start": start,
            "first_day": first_day, "acquisition_source": source}


def pick_one_visit_per_visitor(rng: np.random.Generator, visitor: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Index of one random visit for each chosen visitor (visits sorted by visitor)."""
    counts = np.bincount(visitor, minlength=len(chosen))
    firsts = np.cumsum(counts) - counts
    picks = firsts + np.floor(rng.random(len(chosen)) * counts).astype(np.int64)
    return picks[chosen]


def build_tables(spec: StoreSpec, progress: tqdm) -> dict[str, pa.Table]:
    rng = np.random.default_rng(spec.seed)
    started = time.monotonic()
    progress.set_postfix_str("visits")
    visits = generate_visits(rng, spec)
    progress.update()
    n_visits = len(visits["visitor"])
    log.info("visits: %s for %s visitors (%.1fs)", f"{n_visits:,}", f"{spec.visitors:,}", time.monotonic() - started)

    n = spec.visitors
    signs_up = rng.random(n) < 0.05
    buys = rng.random(n) < np.where(signs_up, 0.25, 0.02)
    signup_visit = pick_one_visit_per_visitor(rng, visits["visitor"], signs_up)
    purchase_visit = pick_one_visit_per_visitor(rng, visits["visitor"], buys)

    web_buyers = np.flatnonzero(buys)
    offline_buyers = int(len(web_buyers) * 0.1)
    n_customers = len(web_buyers) + offline_buyers
    customer_numbers = np.arange(1, n_customers + 1)
    customer_of_visitor = np.full(n, -1)
    customer_of_visitor[web_buyers] = np.arange(len(web_buyers))
    # A customer's e-mail number is the visitor's, so sign-ups and orders share an address.
    email_number = np.concatenate([web_buyers, n + np.arange(offline_buyers)])

    progress.set_postfix_str("events")
    events = build_events(rng, spec, visits, signs_up, signup_visit, buys, purchase_visit, customer_of_visitor,
                          customer_numbers)
    progress.update()
    log.info("events: %s (%.1fs)", f"{events.num_rows:,}", time.monotonic() - started)
    first_order_at = np.concatenate([
        visits["start"][purchase_visit] + 600,
        spec.start_epoch + rng.integers(0, spec.days * SECONDS_PER_DAY, offline_buyers),
    ])
    progress.set_postfix_str("orders")
    orders, refunds = build_orders(rng, spec, first_order_at, customer_numbers, email_number)
    progress.update()
    log.info("orders: %s, refunds: %s (%.1fs)", f"{orders.num_rows:,}", f"{refunds.num_rows:,}",
             time.monotonic() - started)
    progress.set_postfix_str("ad spend")
    ad_spend = build_ad_spend(rng, spec, visits)
    progress.update()
    return {"events": events, "orders": orders, "refunds": refunds, "ad_spend": ad_spend}


def build_events(rng, spec, visits, signs_up, signup_visit, buys, purchase_visit, customer_of_visitor,
                 customer_numbers) -> pa.Table:
    visitor = visits["visitor"]
    n_visits = len(visitor)
    pages_per_visit = rng.geometric(0.35, n_visits)
    visit_of_view = np.repeat(np.arange(n_visits), pages_per_visit)
    view_rank = group_offsets(pages_per_visit)
    parts = [{
        "visit": visit_of_view,
        "type": np.zeros(len(visit_of_view), dtype=np.int8),
        "at": visits["start"][visit_of_view] + view_rank * 45 + rng.integers(0, 40, len(visit_of_view)),
        "page": rng.integers(0, len(PAGES), len(visit_of_view)),
    }]
    # event type codes: 0 page_view, 1 email_signup, 2 identify, 3 add_to_cart, 4 checkout_started,
    # 5 email_unsubscribe
    def add(visit_idx: np.ndarray, type_code: int, after_seconds: int) -> None:
        parts.append({"visit": visit_idx, "type": np.full(len(visit_idx), type_code, dtype=np.int8),
                      "at": visits["start"][visit_idx] + after_seconds, "page": np.ones(len(visit_idx), dtype=np.int64)})

    add(signup_visit, 1, 30)
    add(purchase_visit, 3, 300)
    add(purchase_visit, 4, 420)
    add(purchase_visit, 2, 540)
    abandoned = np.flatnonzero(rng.random(n_visits) < 0.06)
    add(abandoned, 3, 200)
    add(abandoned[rng.random(len(abandoned)) < 0.4], 4, 320)
    add(signup_visit[rng.random(len(signup_visit)) < 0.08], 5, SECONDS_PER_DAY * 20)

    visit_idx = np.concatenate([p["visit"] for p in parts])
    type_code = np.concatenate([p["type"] for p in parts])
    occurred = np.concatenate([p["at"] for p in parts])
    page = np.concatenate([p["page"] for p in parts])
    ev_visitor = visitor[visit_idx]
    n_events = len(visit_idx)

    type_names = np.array(["page_view", "email_signup", "identify", "add_to_cart", "checkout_started",
                           "email_unsubscribe"])
    is_first_visit = visits["visit_rank"][visit_idx] == 0
    source = visits["source"][visit_idx]
    tags = np.array([s[0] or "" for s in ACQUISITION_SOURCES])
    mediums = np.array([s[1] or "" for s in ACQUISITION_SOURCES])
    referrers = np.array([s[2] or "" for s in ACQUISITION_SOURCES])
    # Once bought, a customer is logged in on later visits.
    customer = customer_of_visitor[ev_visitor]
    logged_in = (customer >= 0) & ((type_code == 2) | (visit_idx > purchase_visit_lookup(purchase_visit, buys,
                                                                                         ev_visitor, len(buys))))
    carries_email = (type_code == 1) | (type_code == 2) | (type_code == 5)

    def nullable(values: np.ndarray, mask: np.ndarray) -> pa.Array:
        return pa.array(values, mask=~mask)

    # (a store with no buyer yet still indexes one placeholder number, masked out below)
    numbers = customer_numbers if len(customer_numbers) else np.zeros(1, dtype=np.int64)
    customer_ids = prefixed_ids("C", numbers[np.maximum(customer, 0)])
    emails = messy_emails(rng, ev_visitor)
    loaded = occurred + load_delays(rng, n_events, late_share=0.03)
    table = pa.table({
        "event_id": prefixed_ids("E", np.arange(n_events)),
        "event_type": pa.array(type_names[type_code]),
        "anonymous_id": prefixed_ids("anon-", ev_visitor),
        "customer_id": pc.if_else(pa.array(logged_in), customer_ids, pa.nulls(n_events, pa.string())),
        "email": pc.if_else(pa.array(carries_email), emails, pa.nulls(n_events, pa.string())),
        "occurred_at": to_timestamps(occurred),
        "loaded_at": to_timestamps(loaded),
        "utm_source": nullable(tags[source], (tags[source] != "") & (type_code == 0)),
        "utm_medium": nullable(mediums[source], (mediums[source] != "") & (type_code == 0)),
        "utm_campaign": nullable(np.where(rng.random(n_events) < 0.7, "prospecting", "retargeting"),
                                 (tags[source] != "") & (type_code == 0)),
        "page_path": pa.array(PAGES[page]),
        "referrer": nullable(referrers[source], (referrers[source] != "") & is_first_visit & (type_code == 0)),
    })
    # Events after the end of the period (an unsubscribe weeks later) are not delivered yet.
    in_period = occurred < spec.start_epoch + spec.days * SECONDS_PER_DAY
    return with_redeliveries(rng, table.filter(pa.array(in_period)), share=0.005)


def purchase_visit_lookup(purchase_visit: np.ndarray, buys: np.ndarray, visitor: np.ndarray, n: int) -> np.ndarray:
    """For each row's visitor, the index of their purchase visit (a huge number when they never buy)."""
    lookup = np.full(n, np.iinfo(np.int64).max)
    lookup[np.flatnonzero(buys)] = purchase_visit
    return lookup[visitor]


def build_orders(rng, spec, first_order_at, customer_numbers, email_number) -> tuple[pa.Table, pa.Table]:
    n_customers = len(customer_numbers)
    end_epoch = spec.start_epoch + spec.days * SECONDS_PER_DAY
    # Buyer types: one-time, occasional (a few more orders, months apart), fans (often, for long).
    buyer_type = rng.choice(3, n_customers, p=[0.55, 0.35, 0.10])
    mean_gap_days = np.array([0.0, 110.0, 24.0])[buyer_type]
    max_orders = 40
    extra_orders = np.where(buyer_type == 1, np.minimum(rng.geometric(0.45, n_customers), 6), 0)
    extra_orders = np.where(buyer_type == 2, np.minimum(rng.geometric(0.05, n_customers), max_orders - 1),
                            extra_orders)
    # Gaps grow with each order: frequency decays as the relationship ages.
    growth = 1.0 + 0.04 * np.arange(max_orders - 1)
    gaps = rng.exponential(1.0, (n_customers, max_orders - 1)) * mean_gap_days[:, None] * growth[None, :]
    offsets = np.concatenate([np.zeros((n_customers, 1)), np.cumsum(gaps, axis=1)], axis=1)
    ordered = first_order_at[:, None] + np.floor(offsets * SECONDS_PER_DAY).astype(np.int64)
    order_rank = np.arange(max_orders)[None, :]
    exists = (order_rank <= extra_orders[:, None]) & (ordered < end_epoch)
    customer_idx, _ = np.nonzero(exists)
    ordered_at = ordered[exists]
    n_orders = len(ordered_at)

    currency = rng.choice(len(CURRENCIES), n_customers, p=CURRENCY_SHARES)[customer_idx]
    amount = np.round(rng.lognormal(np.log(55.0), 0.5, n_orders), 2)
    cancelled = rng.random(n_orders) < 0.04
    has_email = (customer_idx < n_customers - int(n_customers / 11)) | (rng.random(n_orders) < 0.5)
    orders = pa.table({
        "order_id": prefixed_ids("O", np.arange(1, n_orders + 1)),
        "customer_id": prefixed_ids("C", customer_numbers[customer_idx]),
        "email": pc.if_else(pa.array(has_email), messy_emails(rng, email_number[customer_idx]),
                            pa.nulls(n_orders, pa.string())),
        "ordered_at": to_timestamps(ordered_at),
        "currency": pa.array(CURRENCIES[currency]),
        "amount": pa.array(amount).cast(pa.decimal128(18, 2)),
        "status": pa.array(np.where(cancelled, "cancelled", "completed")),
        "loaded_at": to_timestamps(ordered_at + load_delays(rng, n_orders, late_share=0.02)),
    })

    refund_roll = rng.random(n_orders)
    full = ~cancelled & (refund_roll < 0.04)
    partial = ~cancelled & (refund_roll >= 0.04) & (refund_roll < 0.08)
    refunded = np.flatnonzero(full | partial)
    refund_amount = np.where(full[refunded], amount[refunded],
                             np.round(amount[refunded] * rng.uniform(0.2, 0.6, len(refunded)), 2))
    refunded_at = ordered_at[refunded] + rng.integers(2, 30, len(refunded)) * SECONDS_PER_DAY
    delivered = refunded_at < end_epoch
    refunded, refund_amount, refunded_at = refunded[delivered], refund_amount[delivered], refunded_at[delivered]
    refunds = pa.table({
        "refund_id": prefixed_ids("R", np.arange(1, len(refunded) + 1)),
        "order_id": prefixed_ids("O", refunded + 1),
        "refunded_at": to_timestamps(refunded_at),
        "amount": pa.array(refund_amount).cast(pa.decimal128(18, 2)),
        "loaded_at": to_timestamps(refunded_at + load_delays(rng, len(refunded), late_share=0.02)),
    })
    return with_redeliveries(rng, orders, share=0.005), refunds


def build_ad_spend(rng, spec, visits) -> pa.Table:
    """Daily spend per paid channel and campaign, in line with the visitors each channel brought."""
    source_names = [s[0] for s in ACQUISITION_SOURCES]
    rows: dict[str, list] = {k: [] for k in ["spend_date", "channel", "campaign", "impressions", "reach", "clicks",
                                             "spend", "currency", "loaded_at"]}
    new_visitor_days = visits["first_day"]
    for channel, cost_per_click, currency, reports_reach in PAID_CHANNELS:
        brought = np.bincount(new_visitor_days[visits["acquisition_source"] == source_names.index(channel)],
                              minlength=spec.days)
        for campaign, share in (("prospecting", 0.7), ("retargeting", 0.3)):
            clicks = np.round(brought * share * rng.uniform(1.1, 1.5, spec.days)).astype(np.int64)
            impressions = np.round(clicks / rng.uniform(0.008, 0.02, spec.days)).astype(np.int64)
            reach = np.round(impressions / rng.uniform(1.8, 3.2, spec.days)).astype(np.int64)
            spend = np.round(clicks * cost_per_click * rng.uniform(0.8, 1.2, spec.days), 2)
            dates = [spec.start + dt.timedelta(days=int(d)) for d in range(spec.days)]
            rows["spend_date"] += dates
            rows["channel"] += [channel] * spec.days
            rows["campaign"] += [campaign] * spec.days
            rows["impressions"] += impressions.tolist()
            rows["reach"] += reach.tolist() if reports_reach else [None] * spec.days
            rows["clicks"] += clicks.tolist()
            rows["spend"] += spend.tolist()
            rows["currency"] += [currency] * spec.days
            rows["loaded_at"] += [dt.datetime.combine(d + dt.timedelta(days=1), dt.time(6)) for d in dates]
    return pa.table({
        "spend_date": pa.array(rows["spend_date"], pa.date32()),
        "channel": pa.array(rows["channel"]),
        "campaign": pa.array(rows["campaign"]),
        "impressions": pa.array(rows["impressions"], pa.int64()),
        "reach": pa.array(rows["reach"], pa.int64()),
        "clicks": pa.array(rows["clicks"], pa.int64()),
        "spend": pa.array(rows["spend"]).cast(pa.decimal128(18, 2)),
        "currency": pa.array(rows["currency"]),
        "loaded_at": pa.array(rows["loaded_at"], pa.timestamp("us")),
    })


def with_redeliveries(rng: np.random.Generator, table: pa.Table, share: float) -> pa.Table:
    """Append a share of rows again, delivered a day or two later (at-least-once delivery)."""
    picked = np.flatnonzero(rng.random(table.num_rows) < share)
    again = table.take(pa.array(picked))
    later = pc.add(again["loaded_at"], pa.scalar(dt.timedelta(days=1, hours=3)))
    again = again.set_column(again.schema.get_field_index("loaded_at"), "loaded_at", later)
    return pa.concat_tables([table, again])


def _replace(table: pa.Table, column: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(column), column, values)


def _nulls(table: pa.Table, column: str) -> pa.Table:
    return _replace(table, column, pa.nulls(table.num_rows, table.schema.field(column).type))


def _fault_ids(prefix: str, count: int) -> pa.Array:
    return prefixed_ids(f"FAULT-{prefix}-", np.arange(count))


def _sample(rng: np.random.Generator, table: pa.Table, count: int, mask: np.ndarray | None = None) -> pa.Table:
    candidates = np.flatnonzero(mask) if mask is not None else np.arange(table.num_rows)
    if len(candidates) == 0:
        return table.slice(0, 0)
    return table.take(pa.array(rng.choice(candidates, size=min(count, len(candidates)), replace=False)))


def _retyped(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select(schema.names).cast(schema)


def faulty_rows(rng: np.random.Generator, tables: dict[str, pa.Table], rate: float) -> dict[str, pa.Table]:
    """Rows for every row-level fault staging must quarantine, `rate` of each source split over its faults.
    Faulty rows get keys of their own (or none), so they never displace a good row."""
    def count(source: str, kinds: int) -> int:
        return max(1, int(round(tables[source].num_rows * rate / kinds)))

    events, orders, refunds, ad_spend = (tables[name] for name in ("events", "orders", "refunds", "ad_spend"))
    n = count("events", 5)
    bad_events = []
    missing_key = _nulls(_sample(rng, events, n), "event_id")
    bad_events.append(missing_key)
    unknown_type = _sample(rng, events, n)
    bad_events.append(_replace(_replace(unknown_type, "event_id", _fault_ids("type", unknown_type.num_rows)),
                               "event_type", pa.array(["page_vue"] * unknown_type.num_rows)))
    bad_time = _sample(rng, events, n)
    bad_events.append(_nulls(_replace(bad_time, "event_id", _fault_ids("time", bad_time.num_rows)), "occurred_at"))
    future = _sample(rng, events, n)
    future = _replace(future, "event_id", _fault_ids("future", future.num_rows))
    bad_events.append(_replace(future, "occurred_at", pc.add(future["loaded_at"], pa.scalar(dt.timedelta(days=3)))))
    anonymous = _sample(rng, events, n)
    anonymous = _replace(anonymous, "event_id", _fault_ids("anonymous", anonymous.num_rows))
    for column in ("anonymous_id", "customer_id", "email"):
        anonymous = _nulls(anonymous, column)
    bad_events.append(anonymous)

    n = count("orders", 6)
    bad_orders = [_nulls(_sample(rng, orders, n), "order_id")]
    for reason, column, value in (("currency", "currency", "XYZ"), ("status", "status", "pending")):
        rows = _sample(rng, orders, n)
        rows = _replace(rows, "order_id", _fault_ids(reason, rows.num_rows))
        bad_orders.append(_replace(rows, column, pa.array([value] * rows.num_rows)))
    negative = _sample(rng, orders, n)
    negative = _replace(negative, "order_id", _fault_ids("negative", negative.num_rows))
    bad_orders.append(_replace(negative, "amount", pc.negate(negative["amount"])))
    no_time = _sample(rng, orders, n)
    bad_orders.append(_nulls(_replace(no_time, "order_id", _fault_ids("time", no_time.num_rows)), "ordered_at"))
    no_customer = _sample(rng, orders, n)
    bad_orders.append(_nulls(_replace(no_customer, "order_id", _fault_ids("customer", no_customer.num_rows)),
                             "customer_id"))

    n = count("refunds", 4)
    bad_refunds = [_nulls(_sample(rng, refunds, n), "refund_id")]
    orphans = _sample(rng, refunds, n)
    orphans = _replace(orphans, "refund_id", _fault_ids("orphan", orphans.num_rows))
    bad_refunds.append(_replace(orphans, "order_id", _fault_ids("no-such-order", orphans.num_rows)))
    negative = _sample(rng, refunds, n)
    negative = _replace(negative, "refund_id", _fault_ids("negative", negative.num_rows))
    bad_refunds.append(_replace(negative, "amount", pc.negate(negative["amount"])))
    # A refund above the amount of a completed order that has no other refund.
    refunded = set(refunds["order_id"].to_pylist())
    unrefunded = np.array([(o not in refunded) and s == "completed"
                           for o, s in zip(orders["order_id"].to_pylist(), orders["status"].to_pylist())])
    target = _sample(rng, orders, n, unrefunded)
    bad_refunds.append(pa.table({
        "refund_id": _fault_ids("exceeds", target.num_rows),
        "order_id": target["order_id"],
        "refunded_at": pc.add(target["ordered_at"], pa.scalar(dt.timedelta(days=1))),
        "amount": pc.add(target["amount"], pa.scalar(1, pa.decimal128(18, 2))).cast(pa.decimal128(18, 2)),
        "loaded_at": pc.add(target["loaded_at"], pa.scalar(dt.timedelta(days=1))),
    }))

    n = count("ad_spend", 3)
    bad_spend = []
    for reason, column in (("channel", "channel"), ("currency", "currency"), ("negative", "spend")):
        rows = _sample(rng, ad_spend, n)
        rows = _replace(rows, "campaign", _fault_ids(reason, rows.num_rows))
        if column == "channel":
            rows = _nulls(rows, "channel")
        elif column == "currency":
            rows = _replace(rows, "currency", pa.array(["XYZ"] * rows.num_rows))
        else:
            rows = _replace(rows, "spend", pc.negate(rows["spend"]))
        bad_spend.append(rows)

    return {
        "events": pa.concat_tables([_retyped(t, events.schema) for t in bad_events]),
        "orders": pa.concat_tables([_retyped(t, orders.schema) for t in bad_orders]),
        "refunds": pa.concat_tables([_retyped(t, refunds.schema) for t in bad_refunds]),
        "ad_spend": pa.concat_tables([_retyped(t, ad_spend.schema) for t in bad_spend]),
    }


def messier(rng: np.random.Generator, tables: dict[str, pa.Table], rate: float) -> dict[str, pa.Table]:
    """Change a `rate` share of good rows only in ways staging undoes (case, padding)."""
    def touched(table: pa.Table) -> pa.Array:
        return pa.array(rng.random(table.num_rows) < rate)

    events = tables["events"]
    events = _replace(events, "event_type", pc.if_else(touched(events), pc.utf8_upper(events["event_type"]),
                                                       events["event_type"]))
    events = _replace(events, "email", pc.if_else(touched(events), pc.binary_join_element_wise(
        "  ", pc.utf8_upper(events["email"]), ""), events["email"]))
    orders = tables["orders"]
    orders = _replace(orders, "currency", pc.if_else(touched(orders), pc.binary_join_element_wise(
        " ", pc.utf8_lower(orders["currency"]), ""), orders["currency"]))
    orders = _replace(orders, "status", pc.if_else(touched(orders), pc.utf8_upper(orders["status"]), orders["status"]))
    ad_spend = tables["ad_spend"]
    ad_spend = _replace(ad_spend, "channel", pc.if_else(touched(ad_spend), pc.utf8_upper(ad_spend["channel"]),
                                                        ad_spend["channel"]))
    return {**tables, "events": events, "orders": orders, "ad_spend": ad_spend}


def later_deliveries(rng: np.random.Generator, tables: dict[str, pa.Table], rate: float) -> dict[str, pa.Table]:
    """A `rate` share of every source delivered again, two days later (the first delivery still wins)."""
    again = {}
    for name, table in tables.items():
        rows = _sample(rng, table, max(1, int(round(table.num_rows * rate))))
        again[name] = _replace(rows, "loaded_at", pc.add(rows["loaded_at"], pa.scalar(dt.timedelta(days=2))))
    return again


def write_file_faults(clean: dict[str, pa.Table], out: Path) -> None:
    """One small raw store per file-level fault: each must stop the run before dbt."""
    shutil.rmtree(out, ignore_errors=True)
    (out / "not_parquet" / "orders").mkdir(parents=True)
    (out / "not_parquet" / "orders" / "export.parquet").write_text("order_id,amount\nO1,10\n")
    truncated = out / "truncated" / "events"
    truncated.mkdir(parents=True)
    pq.write_table(clean["events"].slice(0, 1000), truncated / "part-0.parquet")
    data = (truncated / "part-0.parquet").read_bytes()
    (truncated / "part-0.parquet").write_bytes(data[: len(data) // 2])
    missing = out / "missing_column" / "orders"
    missing.mkdir(parents=True)
    pq.write_table(clean["orders"].slice(0, 100).drop_columns(["amount"]), missing / "part-0.parquet")
    log.info("file-level faults in %s: not_parquet, truncated, missing_column", out)


def write_store(tables: dict[str, pa.Table], out: Path, progress: tqdm, part: str = "") -> None:
    """Events and orders land in monthly Hive partitions by delivery month; the rest as one file.
    `part` prefixes the file names, so the chunks of a big store sit side by side."""
    for name, table in tables.items():
        progress.set_postfix_str(f"writing {name}")
        target = out / name
        if name in ("events", "orders"):
            load_month = pc.strftime(table["loaded_at"], format="%Y-%m")
            ds.write_dataset(table.append_column("load_month", load_month), target, format="parquet",
                             partitioning=ds.partitioning(pa.schema([("load_month", pa.string())]), flavor="hive"),
                             basename_template=f"part-{part}{{i}}.parquet", existing_data_behavior="overwrite_or_ignore",
                             preserve_order=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, target / f"part-{part}0.parquet")
        progress.update()
        log.info("wrote %s: %s rows", target, f"{table.num_rows:,}")


# A store of more visitors is generated in independent chunks of at most this many (about 11M
# events, ~5 GB in memory), so 100M events need no more memory than 10M.
CHUNK_VISITORS = 2_000_000


def chunk_tables(spec: StoreSpec, chunk: int, progress: tqdm) -> dict[str, pa.Table]:
    """One chunk of a chunked store: its own visitors and customers, every id tagged with the chunk
    (E12 -> E3-12) so chunks never share a key."""
    tables = build_tables(spec, progress)
    tag = str(chunk)
    ids = {"events": (("event_id", "^E"), ("anonymous_id", "^anon-"), ("customer_id", "^C"), ("email", "(?i)user")),
           "orders": (("order_id", "^O"), ("customer_id", "^C"), ("email", "(?i)user")),
           "refunds": (("refund_id", "^R"), ("order_id", "^O"))}
    for source, columns in ids.items():
        for column, pattern in columns:
            tables[source] = _replace(tables[source], column, tagged(tables[source][column], pattern, tag))
    return tables


def summed_ad_spend(parts: list[pa.Table]) -> pa.Table:
    """The chunks' ad spend as one row per day, channel and campaign (one platform report)."""
    keys = ["spend_date", "channel", "campaign", "currency", "loaded_at"]
    measures = ["impressions", "reach", "clicks", "spend"]
    combined = pa.concat_tables(parts)
    summed = combined.group_by(keys, use_threads=False).aggregate([(m, "sum") for m in measures])
    summed = summed.rename_columns([f"{c}" if c in keys else c.removesuffix("_sum") for c in summed.column_names])
    return summed.select(combined.schema.names).cast(combined.schema).sort_by(
        [("spend_date", "ascending"), ("channel", "ascending"), ("campaign", "ascending")])


def store_facts(out: Path) -> dict[str, object]:
    """What a new day builds on: the day after the latest delivery, and the recent pace of the store."""
    import duckdb

    events = f"read_parquet('{out}/events/**/*.parquet', hive_partitioning = false)"
    orders = f"read_parquet('{out}/orders/**/*.parquet', hive_partitioning = false)"
    with duckdb.connect() as connection:
        last_loaded = connection.execute(
            f"select max(d) from (select max(loaded_at)::date as d from {events} "
            f"union all select max(loaded_at)::date from {orders})").fetchone()[0]
        new_visitors = connection.execute(
            f"select count(*) / 7 from (select anonymous_id from {events} group by 1 "
            f"having min(occurred_at) >= ?::date - interval 7 day)", [last_loaded]).fetchone()[0]
        customers = connection.execute(
            f"select customer_id, any_value(email), any_value(currency) from {orders} "
            f"where customer_id is not null group by 1 order by 1").fetchall()
        recent_orders = connection.execute(
            f"select count(*) / 7 from {orders} where ordered_at >= ?::date - interval 7 day",
            [last_loaded]).fetchone()[0]
        visitors = [row[0] for row in connection.execute(
            f"select distinct anonymous_id from {events} where anonymous_id is not null "
            f"and occurred_at >= ?::date - interval 30 day order by 1", [last_loaded]).fetchall()]
        recent_events = connection.sql(
            f"select * from {events} where loaded_at >= ?::date - interval 3 day order by event_id",
            params=[last_loaded]).to_arrow_table()
        recent_orders_rows = connection.sql(
            f"select * from {orders} where loaded_at >= ?::date - interval 3 day order by order_id",
            params=[last_loaded]).to_arrow_table()
    return {"day": last_loaded + dt.timedelta(days=1), "new_visitors": max(1, round(new_visitors)),
            "customers": customers, "orders_per_day": max(1, round(recent_orders)), "visitors": visitors,
            "recent_events": recent_events, "recent_orders": recent_orders_rows}


def tagged(column: pa.ChunkedArray | pa.Array, pattern: str, tag: str) -> pa.Array:
    """Ids of a one-day generation made unique in the store: E12 -> E20261106-12."""
    return pc.replace_substring_regex(column, pattern=pattern, replacement=f"\\0{tag}-", max_replacements=1)


def next_day_tables(out: Path, seed: int) -> tuple[dt.date, dict[str, pa.Table]]:
    """One more day of deliveries: new visitors arriving that day (some sign up and buy), repeat
    orders of existing customers, page views that happened up to two days earlier but land today
    (late rows), and a share of the last three days' rows delivered again."""
    facts = store_facts(out)
    day: dt.date = facts["day"]
    tag = day.strftime("%Y%m%d")
    rng = np.random.default_rng([seed, int(tag)])
    spec = StoreSpec(visitors=int(facts["new_visitors"]), start=day, end=day, seed=int(rng.integers(1 << 31)))
    with tqdm(total=4, desc=f"day {day}", unit="step", disable=True) as progress:
        fresh = build_tables(spec, progress)
    day_start = dt.datetime.combine(day, dt.time())
    day_end = day_start + dt.timedelta(days=1)

    def delivered_today(table: pa.Table) -> pa.Table:
        loaded = table["loaded_at"]
        return table.filter(pc.and_(pc.greater_equal(loaded, pa.scalar(day_start, pa.timestamp("us"))),
                                    pc.less(loaded, pa.scalar(day_end, pa.timestamp("us")))))

    events = delivered_today(fresh["events"])
    for column, pattern in (("event_id", "^E"), ("anonymous_id", "^anon-"), ("customer_id", "^C"),
                            ("email", "(?i)user")):
        events = _replace(events, column, tagged(events[column], pattern, tag))
    orders = delivered_today(fresh["orders"])
    for column, pattern in (("order_id", "^O"), ("customer_id", "^C"), ("email", "(?i)user")):
        orders = _replace(orders, column, tagged(orders[column], pattern, tag))

    # repeat orders of existing customers, placed and delivered today
    customers = facts["customers"]
    picked = rng.choice(len(customers), size=min(len(customers), int(facts["orders_per_day"])), replace=False)
    ordered = np.sort(rng.integers(0, SECONDS_PER_DAY - 7_200, len(picked)))
    ordered_at = [day_start + dt.timedelta(seconds=int(s)) for s in ordered]
    repeat_orders = pa.table({
        "order_id": [f"O{tag}-repeat-{i}" for i in range(len(picked))],
        "customer_id": [customers[i][0] for i in picked],
        "email": [customers[i][1] for i in picked],
        "ordered_at": pa.array(ordered_at, pa.timestamp("us")),
        "currency": [customers[i][2] for i in picked],
        "amount": pa.array(np.round(rng.lognormal(np.log(55.0), 0.5, len(picked)), 2)).cast(pa.decimal128(18, 2)),
        "status": ["completed"] * len(picked),
        "loaded_at": pa.array([t + dt.timedelta(seconds=int(rng.integers(300, 5_400))) for t in ordered_at],
                              pa.timestamp("us")),
    })

    # late rows: returning visitors' page views of the last two days, delivered only today
    visitors = facts["visitors"]
    late_count = max(1, events.num_rows // 50)
    late_visitors = rng.choice(len(visitors), size=late_count) if visitors else np.array([], dtype=int)
    late_at = [day_start - dt.timedelta(seconds=int(s)) for s in rng.integers(3_600, 2 * SECONDS_PER_DAY, late_count)]
    late_events = pa.table({
        "event_id": [f"E{tag}-late-{i}" for i in range(len(late_visitors))],
        "event_type": ["page_view"] * len(late_visitors),
        "anonymous_id": [visitors[i] for i in late_visitors],
        "customer_id": pa.nulls(len(late_visitors), pa.string()),
        "email": pa.nulls(len(late_visitors), pa.string()),
        "occurred_at": pa.array(late_at[: len(late_visitors)], pa.timestamp("us")),
        "loaded_at": pa.array([day_start + dt.timedelta(seconds=int(s))
                               for s in rng.integers(0, SECONDS_PER_DAY, len(late_visitors))], pa.timestamp("us")),
        "utm_source": pa.nulls(len(late_visitors), pa.string()),
        "utm_medium": pa.nulls(len(late_visitors), pa.string()),
        "utm_campaign": pa.nulls(len(late_visitors), pa.string()),
        "page_path": pa.array(PAGES[rng.integers(0, len(PAGES), len(late_visitors))]),
        "referrer": pa.nulls(len(late_visitors), pa.string()),
    })

    def delivered_again(recent: pa.Table, share: float) -> pa.Table:
        again = _sample(rng, recent, max(1, int(recent.num_rows * share))) if recent.num_rows else recent
        at = [day_start + dt.timedelta(seconds=int(s)) for s in rng.integers(0, SECONDS_PER_DAY, again.num_rows)]
        return _replace(again, "loaded_at", pa.array(at, pa.timestamp("us")))

    events_schema, orders_schema = fresh["events"].schema, fresh["orders"].schema
    tables = {
        "events": pa.concat_tables([_retyped(t, events_schema) for t in (
            events, late_events, delivered_again(facts["recent_events"], 0.005))]),
        "orders": pa.concat_tables([_retyped(t, orders_schema) for t in (
            orders, repeat_orders, delivered_again(facts["recent_orders"], 0.01))]),
        "ad_spend": fresh["ad_spend"],
    }
    return day, tables


def write_day_files(root: Path, day: dt.date, tables: dict[str, pa.Table]) -> None:
    """One day's contract files under root, each renamed into place whole."""
    name = f"day-{day:%Y%m%d}.parquet"
    for source, table in tables.items():
        directory = root / source / f"load_month={day:%Y-%m}" if source in ("events", "orders") else root / source
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        if target.exists():
            raise FileExistsError(f"{target} exists: day {day} was appended already")
        partial = directory / f".{name}.partial"
        pq.write_table(table, partial)
        partial.rename(target)
        log.info("day %s: %s %s rows in %s", day, f"{table.num_rows:,}", source, target)


def write_tool_files(canonical: Path, out: Path, formats: StoreFormats, seed: int) -> None:
    """The contract store <canonical> written into <out> in the tools' formats (formats_web.py,
    formats_orders.py); ad spend and erasure requests stay in the contract."""
    if formats.web != "contract":
        convert_store(canonical, out, formats.web, email_source=formats.email,
                      order_source="web" if formats.orders == "web" else "contract")
    else:
        shutil.copytree(canonical, out, ignore=shutil.ignore_patterns(CANONICAL_TWIN, COMPLETE_MARKER))
    if formats.orders in ORDER_FORMATS:
        write_order_format(out, formats.orders, seed)


def append_next_day(out: Path, seed: int) -> dt.date:
    """Write the next day's deliveries beside the store's files, in the store's own formats: a tool's
    store gets the day as that tool delivers it (a GA4 store a file in each events_YYYYMMDD table
    the day's rows belong to, a Shopify store one more orders export), each file named day-YYYYMMDD."""
    if not (out / COMPLETE_MARKER).exists():
        raise FileNotFoundError(f"{out} is not a complete generated store (no {COMPLETE_MARKER}): generate it first")
    formats = read_formats(out)
    canonical = out if formats.is_contract else out / CANONICAL_TWIN
    day, tables = next_day_tables(canonical, seed)
    write_day_files(canonical, day, tables)
    if not formats.is_contract:
        work = out / f".day-{day:%Y%m%d}.partial"
        shutil.rmtree(work, ignore_errors=True)
        write_day_files(work / "canonical", day, tables)
        write_tool_files(work / "canonical", work / "tools", formats, seed)
        for path in sorted(p for p in (work / "tools").rglob("*") if p.is_file()):
            target = out / path.relative_to(work / "tools").parent / f"day-{day:%Y%m%d}{path.suffix}"
            if target.exists():
                raise FileExistsError(f"{target} exists: day {day} was appended already")
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
            log.info("day %s: %s", day, target)
        shutil.rmtree(work)
    with (out / COMPLETE_MARKER).open("a") as marker:
        marker.write(f"appended {day}\n")
    return day


def write_chunks(spec: StoreSpec, chunks: int, out: Path, progress: tqdm) -> None:
    """A big store as `chunks` independent stores of a share of the visitors each (seeds derived
    from spec.seed), written one after the other; their ad spend summed into one report."""
    ad_spend = []
    for chunk in range(chunks):
        visitors = spec.visitors // chunks + (1 if chunk < spec.visitors % chunks else 0)
        chunk_spec = StoreSpec(visitors=visitors, start=spec.start, end=spec.end, seed=spec.seed * 1_000 + chunk + 1)
        log.info("chunk %d/%d: %s visitors", chunk + 1, chunks, f"{visitors:,}")
        tables = chunk_tables(chunk_spec, chunk, progress)
        ad_spend.append(tables.pop("ad_spend"))
        write_store(tables, out, progress, part=f"{chunk}-")
        del tables
    write_store({"ad_spend": summed_ad_spend(ad_spend)}, out, progress)


def web_and_order_formats(store_format: str, order_source: str) -> tuple[str, str | None]:
    """(web format, order format or None): --format shopify_csv|orders_file is an order format with
    contract web events; --order-source shopify_csv|orders_file one beside a web --format."""
    if store_format in ORDER_FORMATS:
        return "contract", store_format
    return store_format, order_source if order_source in ORDER_FORMATS else None


def in_tool_formats(canonical: Path, formats: StoreFormats, seed: int) -> Path:
    """The generated contract store rewritten in the tools' formats, in place of it; the contract
    store stays inside it as its hidden twin (CANONICAL_TWIN), for --append-day."""
    converted = canonical.with_name(canonical.name + ".tools")
    shutil.rmtree(converted, ignore_errors=True)
    write_tool_files(canonical, converted, formats, seed)
    canonical.rename(converted / CANONICAL_TWIN)
    converted.rename(canonical)
    return canonical


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/raw"), help="output directory (default: data/raw)")
    parser.add_argument("--visitors", type=int, default=40_000,
                        help="number of visitors; about 6.5 events each (default: 40000)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2024, 11, 1),
                        help="first day, YYYY-MM-DD (default: 2024-11-01)")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2026, 10, 31),
                        help="last day, YYYY-MM-DD (default: 2026-10-31; seeds/fx_rates.csv covers 2023-2027)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    parser.add_argument("--chunk-visitors", type=int, default=CHUNK_VISITORS, metavar="N",
                        help="generate a bigger store in independent chunks of at most N visitors, to bound memory "
                             f"(default: {CHUNK_VISITORS:,}, about 11M events)")
    parser.add_argument("--append-day", action="store_true",
                        help="add the next day's deliveries (new visitors and buyers, repeat orders, late rows, "
                             "re-deliveries) to the existing store in --out, for an incremental refresh; a store "
                             "generated in a tool's format gets the day in that format")
    parser.add_argument("--format", choices=("contract", *WEB_FORMATS, *ORDER_FORMATS), default="contract",
                        help="web source format: the raw-data contract, or the store's web events (and, with "
                             "--order-source web, its orders) as GA4's export or Segment's tables "
                             "(scripts/formats_web.py); or an order tool's format for the orders, the web events "
                             "staying in the contract (shopify_csv: Shopify's orders export; orders_file: a "
                             "spreadsheet in the default column map; scripts/formats_orders.py). Default: contract")
    parser.add_argument("--email-source", choices=("web", "klaviyo"), default="web",
                        help="with a tool --format: e-mail sign-ups in the web events, or as Klaviyo events")
    parser.add_argument("--order-source", choices=("contract", "web", *ORDER_FORMATS), default="contract",
                        help="orders in the contract, as the web source's purchase events (with a web tool "
                             "--format), or in an order tool's format (shopify_csv, orders_file; build with "
                             "--var order_source=<it>)")
    parser.add_argument("--faults", type=float, default=0.0, metavar="RATE",
                        help="add faulty rows (every quarantine reason), later re-deliveries and messier good rows, "
                             "each at RATE of a source's rows, and write file-level faults to OUT_file_faults/ "
                             "(default: 0, a clean store)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    if args.append_day:
        try:
            append_next_day(args.out, args.seed)
        except (FileNotFoundError, FileExistsError) as error:
            log.error("%s", error)
            return 2
        return 0
    if args.visitors < 1 or args.end < args.start or not 0 <= args.faults < 1:
        log.error("need --visitors >= 1, --end on or after --start and 0 <= --faults < 1")
        return 2
    if args.out.exists() and not args.overwrite:
        log.error("%s exists; pass --overwrite to replace it", args.out)
        return 2
    web_format, order_format = web_and_order_formats(args.format, args.order_source)
    if (web_format != "contract" or order_format) and args.faults:
        log.error("--faults writes faults of the raw-data contract: use it with --format contract")
        return 2
    if args.format in ORDER_FORMATS and args.order_source != "contract":
        log.error("--format %s is the orders' format: leave --order-source out", args.format)
        return 2
    spec = StoreSpec(visitors=args.visitors, start=args.start, end=args.end, seed=args.seed)
    chunks = -(-args.visitors // max(1, args.chunk_visitors))
    if order_format and chunks > 1:
        log.error("orders as %s are for stores of up to --chunk-visitors visitors", order_format)
        return 2
    if chunks > 1 and args.faults:
        log.error("--faults is for stores of up to --chunk-visitors visitors (one chunk)")
        return 2
    staging = args.out.with_name(args.out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    # A bar on a terminal (per chunk: visits, events, orders, ad spend, then one write per source).
    with tqdm(total=8 * chunks, desc="demo store", unit="step", disable=None) as progress:
        if chunks > 1:
            write_chunks(spec, chunks, staging, progress)
        else:
            tables = build_tables(spec, progress)
            if args.faults:
                # A stream of its own, so the clean rows are the same as without --faults.
                fault_rng = np.random.default_rng([spec.seed, 1])
                extra = faulty_rows(fault_rng, tables, args.faults)
                again = later_deliveries(fault_rng, tables, args.faults)
                write_file_faults(tables, args.out.with_name(args.out.name + "_file_faults"))
                tables = messier(fault_rng, tables, args.faults)
                tables = {name: pa.concat_tables([table, extra[name], again[name]]) for name, table in tables.items()}
                log.info("faults at rate %s: %s", args.faults,
                         ", ".join(f"{name} +{extra[name].num_rows} faulty +{again[name].num_rows} re-delivered"
                                   for name in tables))
            write_store(tables, staging, progress)
    formats = StoreFormats(web_format, args.email_source if web_format != "contract" else "web",
                           order_format or args.order_source)
    if not formats.is_contract:
        staging = in_tool_formats(staging, formats, spec.seed)
    (staging / FORMATS_MANIFEST).write_text(json.dumps(asdict(formats)) + "\n")
    (staging / COMPLETE_MARKER).write_text(f"{spec}\n")
    shutil.rmtree(args.out, ignore_errors=True)
    staging.rename(args.out)
    log.info("demo store ready in %s", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

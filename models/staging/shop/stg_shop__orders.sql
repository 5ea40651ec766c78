-- Orders, one row per order_id: the first good delivery, e-mail replaced by its keyed hash.
-- Rejected rows are in audit.quarantine, later deliveries counted in audit.raw_row_accounting.
-- Incremental (macros/incremental_staging.sql): a run reads the rows loaded since the latest stored
-- delivery less the lookback and replaces an order only by an earlier delivery; rows read from a
-- draft a later export supersedes (a GA4 intraday table) are deleted first (pre-hook). Shopify's
-- export and connector restate orders (every delivery carries the latest one's state): with them
-- the model is rebuilt in full every run (docs/decisions.md: a restated order takes its latest state).
{{ config(
    materialized=staging_materialization(restated_by_source=var('order_source') in ['shopify', 'shopify_csv']),
    incremental_strategy=staging_incremental_strategy(),
    unique_key='order_id',
    on_schema_change='fail',
    pre_hook="{{ delete_superseded_drafts() }}",
    post_hook="{{ delete_erased_rows({'customer_id': 'customer_id', 'email': 'email_hash', 'order_id': 'order_id'}) }}"
) }}
{{ assert_incremental_raw_store() }}
{{ assert_incremental_hash_key() }}
-- depends_on: {{ ref('erasure_log') }} (read by the erasure post-hook)
{% if superseded_drafts_relation() is not none -%}
-- depends_on: {{ superseded_drafts_relation() }} (read by the superseded-drafts pre-hook)
{% endif %}

with

checked_orders as (
    select * from {{ ref('base_shop__orders') }}
),

new_deliveries as (
    select
        order_id,
        customer_id,
        email_hash,
        ordered_at,
        currency,
        amount,
        status,
        loaded_at,
        source_file,
        source_row_number,
        false as is_stored
    from checked_orders
    where
        quarantine_reason is null
        and not is_erased
        and loaded_at >= {{ incremental_loaded_since() }}
),

{% if is_incremental() %}
    stored_deliveries as (
        -- the kept delivery of every order read again, to rank the new ones against
        select
            order_id,
            customer_id,
            email_hash,
            ordered_at,
            currency,
            amount,
            status,
            loaded_at,
            source_file,
            source_row_number,
            true as is_stored
        from {{ this }}
        where order_id in (select new_deliveries.order_id from new_deliveries)
    ),
{% endif %}

deliveries as (
    select * from new_deliveries
    {% if is_incremental() %}
        union all
        select * from stored_deliveries
    {% endif %}
),

ranked as (
    select
        *,
        -- a stored row read again ties with itself: keep the stored copy, nothing to rewrite
        {{ delivery_rank(['order_id'], ['is_stored desc']) }} as delivery_rank
    from deliveries
),

final as (
    select
        order_id,
        customer_id,
        email_hash,
        ordered_at,
        currency,
        amount,
        status,
        loaded_at,
        source_file,
        source_row_number,
        '{{ invocation_id }}' as staged_in_invocation,
        -- which key made email_hash (assert_incremental_hash_key)
        {{ hash_key_fingerprint() }} as hash_key_fingerprint
    from ranked
    where delivery_rank = 1 and not is_stored
)

select * from final

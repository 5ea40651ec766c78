-- Orders, one row per order_id: the first good delivery, e-mail replaced by its hash.
-- Rejected rows are in audit.quarantine, later deliveries counted in audit.raw_row_accounting.
with

checked_orders as (
    select * from {{ ref('base_shop__orders') }}
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
        source_file
    from checked_orders
    where quarantine_reason is null and delivery_rank = 1 and not is_erased
)

select * from final

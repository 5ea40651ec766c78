-- Refunds, one row per refund_id: the first good delivery of a refund of a kept order, not
-- taking the order's refunds above its amount. Amounts are in the order's currency.
with

checked_refunds as (
    select * from {{ ref('base_shop__refunds') }}
),

final as (
    select
        refund_id,
        order_id,
        refunded_at,
        amount,
        loaded_at,
        source_file
    from checked_refunds
    where quarantine_reason is null and delivery_rank = 1 and not is_erased
)

select * from final

-- Every raw refund row, typed, with the reason it is quarantined (null = good), its delivery
-- rank among the good deliveries of its refund_id, and whether its order belongs to a person who
-- asked to be erased. Grain: raw row (ephemeral). Besides row checks, a first
-- delivery is checked against the kept orders: a refund of an unknown order is an orphan, and a
-- refund that takes the order's refunds (in refund order) above its amount exceeds it.
with

source as (
    select
        refund_id,
        order_id,
        refunded_at,
        amount,
        loaded_at,
        _source_file,
        _source_row_number,
        source_quarantine_reason
    from {{ canonical_raw('shop', 'refunds') }}
),

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

typed as (
    select
        {{ clean_string('refund_id') }} as refund_id,
        {{ clean_string('order_id') }} as order_id,
        {{ dbt.safe_cast('refunded_at', dbt.type_timestamp()) }} as refunded_at,
        {{ dbt.safe_cast('amount', 'decimal(18, 2)') }} as amount,
        {{ dbt.safe_cast('loaded_at', dbt.type_timestamp()) }} as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number,
        source_quarantine_reason
    from source
),

row_checked as (
    select
        *,
        case
            -- the tool's own mapping rejected the row (macros/source_systems.sql)
            when source_quarantine_reason is not null then source_quarantine_reason
            when refund_id is null or order_id is null then 'missing_key'
            when refunded_at is null or loaded_at is null then 'bad_timestamp'
            when amount is null then 'bad_amount'
            when amount <= 0 then 'negative_amount'
        end as row_reason,
        {{ is_erased('order_id', 'order_id') }} as is_erased
    from typed
),

ranked as (
    select
        *,
        {{ delivery_rank(['refund_id', 'row_reason is null']) }} as delivery_rank
    from row_checked
),

first_good_deliveries as (
    select
        ranked.refund_id,
        orders.order_id as matched_order_id,
        orders.amount as order_amount,
        sum(ranked.amount) over (
            partition by ranked.order_id
            order by ranked.refunded_at, ranked.refund_id
            rows between unbounded preceding and current row
        ) as refunded_to_date
    from ranked
    left join orders
        on ranked.order_id = orders.order_id
    where ranked.row_reason is null and ranked.delivery_rank = 1
),

final as (
    select
        ranked.refund_id,
        ranked.order_id,
        ranked.refunded_at,
        ranked.amount,
        ranked.loaded_at,
        ranked.source_file,
        ranked.source_row_number,
        ranked.delivery_rank,
        ranked.is_erased,
        case
            when ranked.row_reason is not null then ranked.row_reason
            when ranked.delivery_rank > 1 then null
            when first_good_deliveries.matched_order_id is null then 'orphan_refund'
            when first_good_deliveries.refunded_to_date > first_good_deliveries.order_amount then 'refund_exceeds_order'
        end as quarantine_reason
    from ranked
    left join first_good_deliveries
        on
            ranked.refund_id = first_good_deliveries.refund_id
            and ranked.row_reason is null
            and ranked.delivery_rank = 1
)

select * from final

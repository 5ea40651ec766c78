-- Refunds, one row per refund_id (the first delivery kept). Amounts are in the order's currency.
with

source as (
    select
        refund_id,
        order_id,
        refunded_at,
        amount,
        loaded_at,
        _source_file,
        _source_row_number
    from {{ source('shop', 'refunds') }}
),

renamed as (
    select
        {{ clean_string('refund_id') }} as refund_id,
        {{ clean_string('order_id') }} as order_id,
        cast(refunded_at as {{ dbt.type_timestamp() }}) as refunded_at,
        cast(amount as decimal(18, 2)) as amount,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

ranked as (
    select
        *,
        {{ delivery_rank(['refund_id']) }} as delivery_rank
    from renamed
),

final as (
    select
        refund_id,
        order_id,
        refunded_at,
        amount,
        loaded_at,
        source_file
    from ranked
    where delivery_rank = 1
)

select * from final

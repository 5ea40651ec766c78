-- Every raw row of Shopify's orders export, typed, with its part: the order's first row (which
-- alone carries the order's fields) or a further line item (merged into it). Grain: raw row.
-- Times carry the store's UTC offset and become UTC. loaded_at is the latest order time in the same
-- file: the export carries no export time (docs/decisions.md: order tools' loaded_at).
{{ config(enabled=var('order_source') == 'shopify_csv') }}

with

source as (
    select * from {{ source('shopify_csv', 'orders') }}
),

typed as (
    select
        {{ clean_string('name') }} as order_id,
        {{ clean_string('email') }} as email,
        lower({{ clean_string('financial_status') }}) as financial_status,
        {{ text_to_utc_timestamp('created_at', var('store_timezone')) }} as created_at,
        {{ text_to_utc_timestamp('cancelled_at', var('store_timezone')) }} as cancelled_at,
        {{ clean_string('cancelled_at') }} is not null as is_cancelled,
        upper({{ clean_string('currency') }}) as currency,
        {{ text_to_decimal('total', 'decimal(18, 2)') }} as total,
        coalesce({{ text_to_decimal('refunded_amount', 'decimal(18, 2)') }}, 0) as refunded_amount,
        _source_file,
        _source_row_number
    from source
),

grouped as (
    select
        *,
        max(created_at) over (partition by _source_file) as loaded_at,
        row_number() over (partition by _source_file, order_id order by _source_row_number) as row_in_order
    from typed
),

final as (
    select
        *,
        -- rows without a Name cannot be grouped: each is its own (quarantined) order
        order_id is not null and row_in_order > 1 as is_merged_row
    from grouped
)

select * from final

-- Refunds of Airbyte's Shopify source (stream order_refunds) in the raw shape of shop.refunds: one
-- row per raw row. The money is read from the refund's nested lists in the shop currency, as the
-- Fivetran mapping reads the same figures from its own tables (stg_shopify__refund_parts): each
-- refund line's subtotal + total_tax, less each adjustment's amount + tax_amount (negative when money
-- goes back). Lines are nested in their refund, so none can be orphaned. Dated processed_at (text
-- with the shop's offset, converted to UTC), else created_at; the order id is the order's name.
{{ config(enabled=var('order_source') == 'shopify') }}
{#- a nested money field (a double; decimal text in adjustments) as a shop-currency decimal -#}
{% set line_money = dbt.safe_cast('line.subtotal', 'decimal(18, 2)') ~ ' + coalesce('
                    ~ dbt.safe_cast('line.total_tax', 'decimal(18, 2)') ~ ', 0)' %}
{% set adjustment_money = dbt.safe_cast('adjustment.amount', 'decimal(18, 2)') ~ ' + coalesce('
                          ~ dbt.safe_cast('adjustment.tax_amount', 'decimal(18, 2)') ~ ', 0)' %}

with

refunds as (
    select * from {{ source('shopify', 'order_refunds') }}
),

orders as (
    select * from {{ source('shopify', 'orders') }}
),

order_names as (
    select
        {{ dbt.safe_cast('id', dbt.type_string()) }} as shopify_order_id,
        max({{ clean_string(dbt.safe_cast('name', dbt.type_string())) }}) as order_name
    from orders
    group by {{ dbt.safe_cast('id', dbt.type_string()) }}
),

refund_money as (
    select
        {{ dbt.safe_cast('refunds.id', dbt.type_string()) }} as refund_id,
        {{ dbt.safe_cast('refunds.order_id', dbt.type_string()) }} as shopify_order_id,
        coalesce(
            {{ text_to_utc_timestamp(dbt.safe_cast('refunds.processed_at', dbt.type_string()), 'UTC') }},
            {{ dbt.safe_cast('refunds.created_at', dbt.type_timestamp()) }}
        ) as refunded_at,
        {{ list_sum_of('refunds.refund_line_items', 'line', line_money) }}
        - {{ list_sum_of('refunds.order_adjustments', 'adjustment', adjustment_money) }} as amount,
        {{ dbt.safe_cast('refunds._airbyte_extracted_at', dbt.type_timestamp()) }} as loaded_at,
        refunds._source_file,
        refunds._source_row_number
    from refunds
),

final as (
    select
        refund_money.refund_id,
        coalesce(order_names.order_name, refund_money.shopify_order_id) as order_id,
        refund_money.refunded_at,
        refund_money.amount,
        refund_money.loaded_at,
        refund_money._source_file,
        refund_money._source_row_number,
        -- a refund that returned no money (a restock only) is no refund of the order's value
        case when refund_money.amount = 0 then 'no_money_refunded' end as source_quarantine_reason
    from refund_money
    left join order_names
        on refund_money.shopify_order_id = order_names.shopify_order_id
)

select * from final

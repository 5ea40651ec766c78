-- Refunds of the Shopify connector in the raw shape of shop.refunds: one row per raw refund row,
-- its amount the money of its lines and adjustments (stg_shopify__refund_parts, shop currency),
-- dated processed_at (else created_at); plus one quarantined row per refund line or adjustment
-- whose refund is not in the refund table (orphan_refund_line). The order id is the order's name,
-- as stg_shopify__orders keys orders. Airbyte's order_refunds (stg_shopify__airbyte_refunds) are
-- added below.
{{ config(enabled=var('order_source') == 'shopify') }}

with

refunds as (
    select * from {{ source('shopify', 'refund') }}
),

orders as (
    select * from {{ source('shopify', 'order') }}
),

parts as (
    select * from {{ ref('stg_shopify__refund_parts') }}
),

airbyte_refunds as (
    select * from {{ ref('stg_shopify__airbyte_refunds') }}
),

order_names as (
    select
        {{ dbt.safe_cast('id', dbt.type_string()) }} as shopify_order_id,
        max(coalesce(
            {{ clean_string(dbt.safe_cast('name', dbt.type_string())) }},
            {{ dbt.safe_cast('id', dbt.type_string()) }}
        )) as order_id
    from orders
    group by {{ dbt.safe_cast('id', dbt.type_string()) }}
),

money_per_refund as (
    select
        refund_id,
        sum(refunded_money) as amount
    from parts
    where not is_tool_duplicate
    group by refund_id
),

refund_rows as (
    select
        {{ dbt.safe_cast('refunds.id', dbt.type_string()) }} as refund_id,
        coalesce(order_names.order_id, {{ dbt.safe_cast('refunds.order_id', dbt.type_string()) }}) as order_id,
        coalesce(refunds.processed_at, refunds.created_at) as refunded_at,
        money_per_refund.amount,
        refunds._fivetran_synced as loaded_at,
        refunds._source_file,
        refunds._source_row_number,
        case
            when coalesce(refunds._fivetran_deleted, false) then 'deleted_row'
            -- a refund that returned no money (a restock only) is no refund of the order's value
            when coalesce(money_per_refund.amount, 0) = 0 then 'no_money_refunded'
        end as source_quarantine_reason
    from refunds
    left join order_names
        on {{ dbt.safe_cast('refunds.order_id', dbt.type_string()) }} = order_names.shopify_order_id
    left join money_per_refund
        on {{ dbt.safe_cast('refunds.id', dbt.type_string()) }} = money_per_refund.refund_id
),

orphan_parts as (
    select
        {{ dbt.concat(['parts.part_table', "':'", 'parts.part_id']) }} as refund_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_timestamp() }}) as refunded_at,
        parts.refunded_money as amount,
        parts.loaded_at,
        parts._source_file,
        parts._source_row_number,
        'orphan_refund_line' as source_quarantine_reason
    from parts
    where not parts.has_refund and not parts.is_tool_duplicate
),

final as (
    select * from refund_rows
    union all
    select * from orphan_parts
    union all
    select * from airbyte_refunds
)

select * from final

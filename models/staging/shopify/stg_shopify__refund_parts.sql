-- The money of Shopify refunds, one row per raw row of order_line_refund and order_adjustment:
-- a refund line refunds subtotal + total_tax; an adjustment refunds -(amount + tax_amount) (negative
-- amounts go back to the customer, as Fivetran's own Shopify package nets them). Each is merged
-- into its refund's amount; a later delivery of the same part is a duplicate. Grain: raw row.
{{ config(enabled=var('order_source') == 'shopify') }}

with

line_refunds as (
    select * from {{ source('shopify', 'order_line_refund') }}
),

adjustments as (
    select * from {{ source('shopify', 'order_adjustment') }}
),

refunds as (
    select * from {{ source('shopify', 'refund') }}
),

parts as (
    select
        'order_line_refund' as part_table,
        {{ dbt.safe_cast('id', dbt.type_string()) }} as part_id,
        {{ dbt.safe_cast('refund_id', dbt.type_string()) }} as refund_id,
        subtotal + coalesce(total_tax, 0) as refunded_money,
        _fivetran_synced as loaded_at,
        _source_file,
        _source_row_number
    from line_refunds
    union all
    select
        'order_adjustment' as part_table,
        {{ dbt.safe_cast('id', dbt.type_string()) }} as part_id,
        {{ dbt.safe_cast('refund_id', dbt.type_string()) }} as refund_id,
        -1 * (amount + coalesce(tax_amount, 0)) as refunded_money,
        _fivetran_synced as loaded_at,
        _source_file,
        _source_row_number
    from adjustments
),

ranked as (
    select
        *,
        row_number() over (
            partition by part_table, part_id
            order by loaded_at, _source_file, _source_row_number
        ) as delivery_rank
    from parts
),

final as (
    select
        ranked.part_table,
        ranked.part_id,
        ranked.refund_id,
        ranked.refunded_money,
        ranked.loaded_at,
        ranked._source_file,
        ranked._source_row_number,
        ranked.delivery_rank > 1 as is_tool_duplicate,
        ranked.refund_id in (select {{ dbt.safe_cast('refunds.id', dbt.type_string()) }} from refunds) as has_refund,
        ranked.delivery_rank = 1
        and ranked.refund_id in (select {{ dbt.safe_cast('refunds.id', dbt.type_string()) }} from refunds) as is_merged_row
    from ranked
)

select * from final

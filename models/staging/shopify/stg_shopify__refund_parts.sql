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

refund_ids as (
    -- the refunds the refund table holds (any delivery): a part of another refund is orphaned.
    -- A join, not `in (subquery)`, which is null for a part without a refund id: the orphan check
    -- below then dropped that part silently instead of quarantining it
    select distinct {{ dbt.safe_cast('id', dbt.type_string()) }} as refund_id
    from refunds
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
        refund_ids.refund_id is not null as has_refund,
        ranked.delivery_rank = 1 and refund_ids.refund_id is not null as is_merged_row
    from ranked
    left join refund_ids
        on ranked.refund_id = refund_ids.refund_id
)

select * from final

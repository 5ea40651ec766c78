-- Refunds of Shopify's export in the raw shape of shop.refunds. The export gives each order's
-- Refunded Amount so far, undated: an export refunds the growth over the last earlier export of
-- the order (every amount, for the first), dated at the export's last order - the latest time the
-- file shows the refund had happened by, never after the as-of date it sets (docs/decisions.md:
-- the Shopify export's refund date). Derived from an order's row, not a raw row of its own: its
-- _source_file is the export's with '#Refunded Amount', so audit.raw_row_accounting counts the
-- raw row once (as the order). Exports are ordered by their last order, then by file path (two
-- exports with the same last order: the path sorting later is the later export), and the refund
-- id names the export's file, so each export's growth is a refund of its own.
{{ config(enabled=var('order_source') == 'shopify_csv') }}
{#- the export's path below the source's directory, for a refund id that does not depend on where
    the raw store lies (the full path when the prefix does not match) -#}
{% set export_directory = var('raw_data_dir') ~ '/shopify_csv/' %}

with

lines as (
    select * from {{ ref('stg_shopify_csv__lines') }}
),

refunded_orders as (
    select
        order_id,
        refunded_amount,
        loaded_at,
        _source_file,
        replace(_source_file, '{{ export_directory | replace("'", "''") }}', '') as export_file,
        _source_row_number
    from lines
    where not is_merged_row and order_id is not null and refunded_amount > 0
),

previously_refunded as (
    -- what earlier exports of the same order already refunded
    select
        exports.order_id,
        exports._source_file,
        max(earlier.refunded_amount) as refunded_amount
    from refunded_orders as exports
    inner join refunded_orders as earlier
        on
            exports.order_id = earlier.order_id
            and (
                exports.loaded_at > earlier.loaded_at
                or (exports.loaded_at = earlier.loaded_at and exports._source_file > earlier._source_file)
            )
    group by exports.order_id, exports._source_file
),

final as (
    select
        {{ dbt.concat(['refunded_orders.order_id', "':refunded:'",
                       dbt.safe_cast('refunded_orders.loaded_at', dbt.type_string()),
                       "':'", 'refunded_orders.export_file']) }} as refund_id,
        refunded_orders.order_id,
        refunded_orders.loaded_at as refunded_at,
        refunded_orders.refunded_amount - coalesce(previously_refunded.refunded_amount, 0) as amount,
        refunded_orders.loaded_at,
        {{ dbt.concat(['refunded_orders._source_file', "'#Refunded Amount'"]) }} as _source_file,
        refunded_orders._source_row_number,
        cast(null as {{ dbt.type_string() }}) as source_quarantine_reason
    from refunded_orders
    left join previously_refunded
        on
            refunded_orders.order_id = previously_refunded.order_id
            and refunded_orders._source_file = previously_refunded._source_file
    where refunded_orders.refunded_amount - coalesce(previously_refunded.refunded_amount, 0) > 0
)

select * from final

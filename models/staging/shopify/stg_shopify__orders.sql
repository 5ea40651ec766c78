-- Orders of the Shopify connector in the raw shape of shop.orders (macros/source_systems.sql): one
-- row per raw order row. Money is the shop currency (currency, total_price; docs/decisions.md: shop
-- currency). A guest checkout has no customer id: the keyed hash of the e-mail is the customer.
-- Deleted rows and test orders are quarantined with their own reasons. Fivetran re-syncs a changed
-- order as a new row: every sync of an order takes the payment status, cancellation, test flag and
-- deletion of its latest sync (a paid order voided, cancelled or deleted later is so in every row;
-- docs/decisions.md: a restated order takes its latest state). Airbyte's orders stream,
-- mapped the same way (stg_shopify__airbyte_orders), is added below; a store holding both
-- connectors' tables is refused (macro shopify_connector).
{{ config(enabled=var('order_source') == 'shopify') }}
{% do shopify_connector() %}
{% set latest_sync = ['_fivetran_synced', '_source_file', '_source_row_number'] %}

with

source as (
    select * from {{ source('shopify', 'order') }}
),

statuses as (
    select * from {{ ref('order_statuses') }}
    where source_system = 'shopify'
),

airbyte_orders as (
    select * from {{ ref('stg_shopify__airbyte_orders') }}
),

typed as (
    select
        coalesce(
            {{ clean_string(dbt.safe_cast('name', dbt.type_string())) }},
            {{ dbt.safe_cast('id', dbt.type_string()) }}
        ) as order_id,
        {{ clean_string(dbt.safe_cast('customer_id', dbt.type_string())) }} as customer_id,
        email,
        created_at,
        cancelled_at,
        currency,
        total_price,
        lower({{ clean_string('financial_status') }}) as financial_status,
        coalesce(test, false) as is_test,
        coalesce(_fivetran_deleted, false) as is_deleted,
        _fivetran_synced,
        _source_file,
        _source_row_number
    from source
),

restated as (
    -- every sync of an order in the state of its latest sync
    select
        order_id,
        customer_id,
        email,
        created_at,
        {{ latest_delivery_value('cancelled_at', 'order_id', latest_sync) }} as cancelled_at,
        currency,
        total_price,
        {{ latest_delivery_value('financial_status', 'order_id', latest_sync) }} as financial_status,
        {{ latest_delivery_value('is_test', 'order_id', latest_sync) }} as is_test,
        {{ latest_delivery_value('is_deleted', 'order_id', latest_sync) }} as is_deleted,
        _fivetran_synced,
        _source_file,
        _source_row_number
    from typed
),

fivetran_orders as (
    select
        restated.order_id,
        coalesce(restated.customer_id, {{ hash_email('restated.email') }}) as customer_id,
        restated.email,
        restated.created_at as ordered_at,
        restated.currency,
        restated.total_price as amount,
        {{ shopify_order_status('restated') }} as status,
        restated._fivetran_synced as loaded_at,
        restated._source_file,
        restated._source_row_number,
        {{ shopify_order_quarantine_reason('restated', 'restated.is_deleted') }} as source_quarantine_reason
    from restated
    left join statuses
        on restated.financial_status = statuses.source_status
),

final as (
    select * from fivetran_orders
    union all
    select * from airbyte_orders
)

select * from final

-- Orders of the Shopify connector in the raw shape of shop.orders (macros/source_systems.sql): one
-- row per raw order row. Money is the shop currency (currency, total_price; docs/decisions.md: shop
-- currency). A guest checkout has no customer id: the keyed hash of the e-mail is the customer.
-- Deleted rows and test orders are quarantined with their own reasons. Airbyte's orders stream,
-- mapped the same way (stg_shopify__airbyte_orders), is added below; a store holding both
-- connectors' tables is refused (macro shopify_connector).
{{ config(enabled=var('order_source') == 'shopify') }}
{% do shopify_connector() %}

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

fivetran_orders as (
    select
        typed.order_id,
        coalesce(typed.customer_id, {{ hash_email('typed.email') }}) as customer_id,
        typed.email,
        typed.created_at as ordered_at,
        typed.currency,
        typed.total_price as amount,
        {{ shopify_order_status('typed') }} as status,
        typed._fivetran_synced as loaded_at,
        typed._source_file,
        typed._source_row_number,
        {{ shopify_order_quarantine_reason('typed', 'typed.is_deleted') }} as source_quarantine_reason
    from typed
    left join statuses
        on typed.financial_status = statuses.source_status
),

final as (
    select * from fivetran_orders
    union all
    select * from airbyte_orders
)

select * from final

-- Orders of Airbyte's Shopify source (stream orders) in the raw shape of shop.orders: one row per
-- raw row. Mapped as the Fivetran connector's order table is (stg_shopify__orders): name as the
-- order id, the customer's id else (a guest) the keyed hash of the e-mail, the shop currency,
-- _airbyte_extracted_at as loaded_at. Airbyte's S3 destination appends every sync, and emits a
-- deleted order as a row with deleted_at: every row of a deleted order's id is quarantined. A
-- changed order is a new row: every sync of an order takes the payment status, cancellation and
-- test flag of its latest sync (docs/decisions.md: a restated order takes its latest state).
{{ config(enabled=var('order_source') == 'shopify') }}
{% set latest_sync = ['extracted_at', '_source_file', '_source_row_number'] %}

with

source as (
    select * from {{ source('shopify', 'orders') }}
),

statuses as (
    select * from {{ ref('order_statuses') }}
    where source_system = 'shopify'
),

typed as (
    select
        {{ dbt.safe_cast('source.id', dbt.type_string()) }} as shopify_order_id,
        {{ clean_string(dbt.safe_cast('source.name', dbt.type_string())) }} as order_name,
        {{ clean_string(dbt.safe_cast('source.customer.id', dbt.type_string())) }} as customer_id,
        coalesce({{ clean_string('source.email') }}, {{ clean_string('source.customer.email') }}) as email,
        {{ dbt.safe_cast('source.created_at', dbt.type_timestamp()) }} as created_at,
        {{ dbt.safe_cast('source.cancelled_at', dbt.type_timestamp()) }} as cancelled_at,
        source.currency,
        source.total_price,
        lower({{ clean_string('source.financial_status') }}) as financial_status,
        coalesce(source.test, false) as is_test,
        source.deleted_at is not null or coalesce(source.is_deleted, false) as is_deletion,
        {{ dbt.safe_cast('source._airbyte_extracted_at', dbt.type_timestamp()) }} as extracted_at,
        source._source_file,
        source._source_row_number
    from source
),

restated as (
    -- every sync of an order in the state of its latest sync (a deletion row's state is no
    -- matter: the order is deleted)
    select
        shopify_order_id,
        order_name,
        customer_id,
        email,
        created_at,
        {{ latest_delivery_value('cancelled_at', 'shopify_order_id', latest_sync) }} as cancelled_at,
        currency,
        total_price,
        {{ latest_delivery_value('financial_status', 'shopify_order_id', latest_sync) }} as financial_status,
        {{ latest_delivery_value('is_test', 'shopify_order_id', latest_sync) }} as is_test,
        is_deletion,
        extracted_at,
        _source_file,
        _source_row_number
    from typed
),

deleted_orders as (
    -- a deletion row carries the order's id; every delivery of that id is a deleted order
    select distinct shopify_order_id
    from restated
    where is_deletion
),

order_names as (
    -- a deletion row has no name of its own: it takes the one the order's other rows carry
    select
        shopify_order_id,
        max(order_name) as order_name
    from restated
    group by shopify_order_id
),

final as (
    select
        coalesce(order_names.order_name, restated.shopify_order_id) as order_id,
        coalesce(restated.customer_id, {{ hash_email('restated.email') }}) as customer_id,
        restated.email,
        restated.created_at as ordered_at,
        restated.currency,
        restated.total_price as amount,
        {{ shopify_order_status('restated') }} as status,
        restated.extracted_at as loaded_at,
        restated._source_file,
        restated._source_row_number,
        {{ shopify_order_quarantine_reason('restated', 'deleted_orders.shopify_order_id is not null') }} as source_quarantine_reason
    from restated
    left join order_names
        on restated.shopify_order_id = order_names.shopify_order_id
    left join deleted_orders
        on restated.shopify_order_id = deleted_orders.shopify_order_id
    left join statuses
        on restated.financial_status = statuses.source_status
)

select * from final

-- Every order placed by the as-of date, with its validity and net revenue in the reporting
-- currency. Grain: order.
with

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

valid_orders_ranked as (
    select
        order_id,
        row_number() over (partition by person_id order by ordered_at, order_id) as valid_order_number
    from orders
    where is_valid
),

final as (
    select
        cast(orders.order_id as {{ dbt.type_string() }}) as order_id,
        cast(orders.person_id as {{ dbt.type_string() }}) as person_id,
        cast(orders.ordered_at as timestamp) as ordered_at,
        cast(orders.order_date as date) as order_date,
        cast(orders.order_month as date) as order_month,
        cast(orders.status as {{ dbt.type_string() }}) as status,
        cast(orders.currency as {{ dbt.type_string() }}) as currency,
        cast(orders.amount as decimal(18, 2)) as amount,
        cast(orders.refunded_amount as decimal(18, 2)) as refunded_amount,
        cast(orders.net_revenue as decimal(18, 2)) as net_revenue,
        orders.is_valid,
        cast(valid_orders_ranked.valid_order_number as integer) as valid_order_number
    from orders
    left join valid_orders_ranked
        on orders.order_id = valid_orders_ranked.order_id
)

select * from final

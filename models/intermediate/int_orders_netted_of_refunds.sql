-- One row per order placed by the as-of date: its refunds, validity and net amount in the
-- reporting currency. Grain: order.
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

refunds as (
    select * from {{ ref('stg_shop__refunds') }}
),

reporting_rates as (
    select * from {{ ref('int_fx_rates_to_reporting') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

orders_to_as_of as (
    select
        orders.order_id,
        orders.customer_id,
        orders.email_hash,
        orders.ordered_at,
        {{ store_date('orders.ordered_at') }} as order_date,
        {{ month_of(to_store_time('orders.ordered_at')) }} as order_month,
        orders.currency,
        orders.amount,
        orders.status
    from orders
    cross join as_of
    where {{ store_date('orders.ordered_at') }} <= as_of.as_of_date
),

refunded_per_order as (
    -- Refunds known by the as-of date; a refund belongs to its order, whenever it was paid.
    select
        refunds.order_id,
        sum(refunds.amount) as refunded_amount
    from refunds
    cross join as_of
    where {{ store_date('refunds.refunded_at') }} <= as_of.as_of_date
    group by refunds.order_id
),

orders_netted as (
    select
        orders_to_as_of.*,
        coalesce(refunded_per_order.refunded_amount, 0) as refunded_amount,
        orders_to_as_of.amount - coalesce(refunded_per_order.refunded_amount, 0) as net_amount
    from orders_to_as_of
    left join refunded_per_order
        on orders_to_as_of.order_id = refunded_per_order.order_id
),

orders_converted as (
    select
        orders_netted.*,
        {{ to_reporting_rate('orders_netted.currency', 'reporting_rates.rate') }} as fx_rate
    from orders_netted
    left join reporting_rates
        on
            orders_netted.currency = reporting_rates.currency
            and orders_netted.order_month = reporting_rates.month
),

final as (
    select
        order_id,
        'customer:' || customer_id as person_id,
        customer_id,
        email_hash,
        ordered_at,
        order_date,
        order_month,
        currency,
        amount,
        status,
        refunded_amount,
        net_amount,
        fx_rate,
        cast(net_amount * fx_rate as decimal(18, 2)) as net_revenue,
        -- A valid order is completed and not fully refunded (a free order with no refund is valid).
        (
            status = 'completed'
            and not (refunded_amount > 0 and refunded_amount >= amount)
        ) as is_valid
    from orders_converted
)

select * from final

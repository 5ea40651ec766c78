-- What a customer is worth by months since their first order. Grain: cohort month (month of the
-- first valid order) x acquisition channel (plus `all`) x months since first order, dense from 0
-- to the as-of month. Net revenue is in the reporting currency, refunds netted in the month of
-- the order they refund.
with

people as (
    select * from {{ ref('int_people_milestones') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

months as (
    select * from {{ ref('int_months') }}
),

buyers as (
    select
        person_id,
        {{ month_of(to_store_time('first_order_at')) }} as cohort_month,
        acquisition_channel
    from people
    where first_order_at is not null
),

cohort_members as (
    select
        person_id,
        cohort_month,
        acquisition_channel
    from buyers
    union all
    select
        person_id,
        cohort_month,
        'all' as acquisition_channel
    from buyers
),

cohort_sizes as (
    select
        cohort_month,
        acquisition_channel,
        count(*) as cohort_size
    from cohort_members
    group by cohort_month, acquisition_channel
),

member_orders as (
    select
        cohort_members.cohort_month,
        cohort_members.acquisition_channel,
        cohort_members.person_id,
        orders.order_id,
        orders.net_revenue,
        {{ dbt.datediff('cohort_members.cohort_month', 'orders.order_month', 'month') }} as months_since_first_order
    from cohort_members
    inner join orders
        on cohort_members.person_id = orders.person_id
    where orders.is_valid
),

activity as (
    select
        cohort_month,
        acquisition_channel,
        months_since_first_order,
        count(distinct person_id) as active_customers,
        count(*) as orders,
        sum(net_revenue) as net_revenue
    from member_orders
    group by cohort_month, acquisition_channel, months_since_first_order
),

cohort_grid as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.acquisition_channel,
        cohort_sizes.cohort_size,
        {{ dbt.datediff('cohort_sizes.cohort_month', 'months.month', 'month') }} as months_since_first_order
    from cohort_sizes
    inner join months
        on cohort_sizes.cohort_month <= months.month
),

filled as (
    select
        cohort_grid.*,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.net_revenue, 0) as net_revenue
    from cohort_grid
    left join activity
        on
            cohort_grid.cohort_month = activity.cohort_month
            and cohort_grid.acquisition_channel = activity.acquisition_channel
            and cohort_grid.months_since_first_order = activity.months_since_first_order
),

cumulated as (
    select
        *,
        sum(net_revenue) over (
            partition by cohort_month, acquisition_channel
            order by months_since_first_order
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue
    from filled
),

final as (
    select
        cohort_month,
        acquisition_channel,
        cast(months_since_first_order as integer) as months_since_first_order,
        cast(cohort_size as bigint) as cohort_size,
        cast(active_customers as bigint) as active_customers,
        cast(orders as bigint) as orders,
        cast(net_revenue as decimal(18, 2)) as net_revenue,
        cast(cumulative_net_revenue as decimal(18, 2)) as cumulative_net_revenue,
        {{ money_per('cumulative_net_revenue', 'cohort_size') }} as ltv_per_customer,
        cast(1.0 * active_customers / cohort_size as double) as retention_rate
    from cumulated
)

select * from final

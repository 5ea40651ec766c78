-- The `all` channel of mart_cohort_ltv holds exactly the net revenue and orders of the valid
-- orders, and the channels add up to `all` in every cell.
with

cohort_ltv as (
    select * from {{ ref('mart_cohort_ltv') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

valid_order_totals as (
    select
        coalesce(sum(net_revenue), 0) as net_revenue,
        count(*) as orders
    from orders
    where is_valid
),

all_channel_totals as (
    select
        coalesce(sum(net_revenue), 0) as net_revenue,
        coalesce(sum(orders), 0) as orders
    from cohort_ltv
    where acquisition_channel = 'all'
),

store_mismatch as (
    select
        'store total' as check_name,
        cast(null as date) as cohort_month,
        cast(null as integer) as months_since_first_order,
        valid_order_totals.net_revenue as expected_net_revenue,
        all_channel_totals.net_revenue as actual_net_revenue
    from valid_order_totals
    cross join all_channel_totals
    where
        valid_order_totals.net_revenue <> all_channel_totals.net_revenue
        or valid_order_totals.orders <> all_channel_totals.orders
),

channel_sums as (
    select
        cohort_month,
        months_since_first_order,
        sum(case when acquisition_channel = 'all' then net_revenue else 0 end) as all_channel_revenue,
        sum(case when acquisition_channel <> 'all' then net_revenue else 0 end) as channels_revenue,
        sum(case when acquisition_channel = 'all' then cohort_size else 0 end) as all_channel_size,
        sum(case when acquisition_channel <> 'all' then cohort_size else 0 end) as channels_size
    from cohort_ltv
    group by cohort_month, months_since_first_order
),

channel_mismatch as (
    select
        'channels add up to all' as check_name,
        cohort_month,
        months_since_first_order,
        all_channel_revenue as expected_net_revenue,
        channels_revenue as actual_net_revenue
    from channel_sums
    where all_channel_revenue <> channels_revenue or all_channel_size <> channels_size
),

final as (
    select * from store_mismatch
    union all
    select * from channel_mismatch
)

select * from final

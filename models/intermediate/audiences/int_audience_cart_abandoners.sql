-- cart_abandoners at every month end (the as-of date for the current month): an add_to_cart or
-- checkout_started in the audience_window_days ending on the date with no valid order within
-- cart_abandonment_hours after it. Grain: evaluation date x person.
-- A cart counts only once its hours are surely over by the end of the evaluation day: no e-mail to
-- someone still paying.
{%- set cart_settle_days = (var('cart_abandonment_hours') + 23) // 24 %}
with

events as (
    select * from {{ ref('int_events_stitched') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

months as (
    select * from {{ ref('int_months') }}
),

cart_events as (
    select
        person_id,
        event_id,
        occurred_at,
        event_date
    from events
    where event_type in ('add_to_cart', 'checkout_started')
),

cart_outcomes as (
    select
        cart_events.person_id,
        cart_events.event_id,
        cart_events.event_date,
        count(orders.order_id) as orders_within_hours
    from cart_events
    left join orders
        on
            cart_events.person_id = orders.person_id
            and orders.is_valid
            and cart_events.occurred_at <= orders.ordered_at
            and orders.ordered_at
            <= {{ dbt.dateadd('hour', var('cart_abandonment_hours'), 'cart_events.occurred_at') }}
    group by cart_events.person_id, cart_events.event_id, cart_events.event_date
),

final as (
    select
        months.month_end_date as evaluation_date,
        cart_outcomes.person_id,
        min(cart_outcomes.event_date) as entered_on
    from months
    inner join cart_outcomes
        on
            {{ within_days_before('cart_outcomes.event_date', 'months.month_end_date',
                                  var('audience_window_days').cart_abandoners, settle_days=cart_settle_days) }}
    where cart_outcomes.orders_within_hours = 0
    group by months.month_end_date, cart_outcomes.person_id
)

select * from final

-- Everything known about each stitched person except their level. Grain: person.
with

events as {{ not_materialized() }} (
    select * from {{ ref('int_events_stitched') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

attributed_events as (
    -- every staged event has a person: events with no identifier at all are quarantined
    select
        person_id,
        event_id,
        event_type,
        occurred_at,
        utm_source
    from events
),

event_milestones as (
    -- the first touch's channel by an aggregate, not a window sorting every event (issue #18)
    select
        person_id,
        min(occurred_at) as first_visit_at,
        min(case when event_type = 'email_signup' then occurred_at end) as signed_up_at,
        {{ value_of_first("coalesce(utm_source, 'direct')", ['occurred_at', 'event_id']) }}
            as acquisition_channel
    from attributed_events
    group by person_id
),

valid_orders_in_order as (
    select
        person_id,
        ordered_at,
        net_revenue,
        row_number() over (partition by person_id order by ordered_at, order_id) as valid_order_rank
    from orders
    where is_valid
),

order_milestones as (
    select
        person_id,
        min(ordered_at) as first_order_at,
        min(case when valid_order_rank = 2 then ordered_at end) as second_order_at,
        max(ordered_at) as last_order_at,
        count(*) as valid_order_count,
        sum(net_revenue) as net_revenue
    from valid_orders_in_order
    group by person_id
),

people as (
    select person_id from event_milestones
    union
    select person_id from orders
),

final as (
    select
        people.person_id,
        event_milestones.first_visit_at,
        event_milestones.signed_up_at,
        order_milestones.first_order_at,
        order_milestones.second_order_at,
        order_milestones.last_order_at,
        coalesce(order_milestones.valid_order_count, 0) as valid_order_count,
        coalesce(order_milestones.net_revenue, 0) as net_revenue,
        coalesce(event_milestones.acquisition_channel, 'unknown') as acquisition_channel
    from people
    left join event_milestones
        on people.person_id = event_milestones.person_id
    left join order_milestones
        on people.person_id = order_milestones.person_id
)

select * from final

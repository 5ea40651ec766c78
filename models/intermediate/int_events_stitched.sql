-- Web events up to the as-of date, each with the person it belongs to. Grain: event.
-- Identity rule (docs/decisions.md: identity stitching), deterministic and without recursion:
--   1. an event's own customer_id wins;
--   2. else its e-mail, when a customer ordered (or identified) with that e-mail, gives that customer;
--   3. else its e-mail alone is the person (a sign-up who never bought);
--   4. else its anonymous_id belongs to whoever the first identified event of that id names;
--   5. else the anonymous_id is its own person (a visitor).
with

events as {{ not_materialized() }} (
    select * from {{ ref('stg_web__events') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

events_to_as_of as {{ not_materialized() }} (
    select events.*
    from events
    cross join as_of
    where {{ store_date('events.occurred_at') }} <= as_of.as_of_date
),

email_links as (
    -- Every place an e-mail was seen with a customer id; any order counts, even a cancelled one.
    select
        email_hash,
        customer_id,
        ordered_at as linked_at
    from orders
    where email_hash is not null
    union all
    select
        email_hash,
        customer_id,
        occurred_at as linked_at
    from events_to_as_of
    where email_hash is not null and customer_id is not null
),

email_owners as (
    -- An e-mail shared by several customers belongs to the first who used it: an aggregate, not a
    -- window sorting every link (issue #18); customer_id is never null here.
    select
        email_hash,
        {{ value_of_first('customer_id', ['linked_at', 'customer_id']) }} as customer_id
    from email_links
    group by email_hash
),

events_identified as {{ not_materialized() }} (
    select
        events_to_as_of.*,
        case
            when events_to_as_of.customer_id is not null
                then 'customer:' || events_to_as_of.customer_id
            when email_owners.customer_id is not null
                then 'customer:' || email_owners.customer_id
            when events_to_as_of.email_hash is not null
                then 'email:' || events_to_as_of.email_hash
        end as identified_person_id
    from events_to_as_of
    left join email_owners
        on events_to_as_of.email_hash = email_owners.email_hash
),

anonymous_id_owners as (
    -- a cookie belongs to whoever its first identified event names (by time, then event id)
    select
        anonymous_id,
        {{ value_of_first('identified_person_id', ['occurred_at', 'event_id']) }} as person_id
    from events_identified
    where anonymous_id is not null and identified_person_id is not null
    group by anonymous_id
),

final as (
    select
        events_identified.event_id,
        coalesce(
            events_identified.identified_person_id,
            anonymous_id_owners.person_id,
            'anonymous:' || events_identified.anonymous_id
        ) as person_id,
        events_identified.event_type,
        events_identified.email_hash,
        events_identified.occurred_at,
        {{ store_date('events_identified.occurred_at') }} as event_date,
        events_identified.utm_source,
        events_identified.page_path
    from events_identified
    left join anonymous_id_owners
        on events_identified.anonymous_id = anonymous_id_owners.anonymous_id
)

select * from final

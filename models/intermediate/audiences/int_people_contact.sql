-- How each person can be reached by e-mail on the as-of date: their most recently seen e-mail
-- hash and whether their latest subscription event is an unsubscribe. Grain: person with an
-- e-mail hash or a subscription event.
with

events as {{ not_materialized() }} (
    select * from {{ ref('int_events_stitched') }}
),

orders as (
    select * from {{ ref('int_orders_netted_of_refunds') }}
),

email_sightings as (
    -- any order counts (even a cancelled one): it is where the address was given
    select
        person_id,
        email_hash,
        ordered_at as seen_at
    from orders
    where email_hash is not null
    union all
    select
        person_id,
        email_hash,
        occurred_at as seen_at
    from events
    where email_hash is not null
),

latest_emails as (
    select
        person_id,
        email_hash,
        row_number() over (partition by person_id order by seen_at desc, email_hash asc) as recency_rank
    from email_sightings
),

subscription_events as (
    select
        person_id,
        event_type,
        row_number() over (
            partition by person_id order by occurred_at desc, event_type desc
        ) as recency_rank
    from events
    where event_type in ('email_signup', 'email_unsubscribe')
),

people as (
    select person_id from email_sightings
    union
    select person_id from subscription_events
),

final as (
    select
        people.person_id,
        latest_emails.email_hash,
        -- same-instant sign-up and unsubscribe: the unsubscribe wins ('..._unsubscribe' sorts first desc)
        coalesce(subscription_events.event_type = 'email_unsubscribe', false) as is_unsubscribed
    from people
    left join latest_emails
        on
            people.person_id = latest_emails.person_id
            and latest_emails.recency_rank = 1
    left join subscription_events
        on
            people.person_id = subscription_events.person_id
            and subscription_events.recency_rank = 1
)

select * from final

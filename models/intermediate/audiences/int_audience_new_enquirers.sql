-- new_enquirers at every month end (the as-of date for the current month): signed up in the
-- audience_window_days ending on the date, still subscribed then, and no valid order by then.
-- Grain: evaluation date x person.
with

events as (
    select * from {{ ref('int_events_stitched') }}
),

milestones as (
    select * from {{ ref('int_people_milestone_dates') }}
),

months as (
    select * from {{ ref('int_months') }}
),

subscription_events as (
    select
        person_id,
        event_type,
        occurred_at,
        event_date
    from events
    where event_type in ('email_signup', 'email_unsubscribe')
),

subscriptions_on_dates as (
    select
        months.month_end_date as evaluation_date,
        subscription_events.person_id,
        subscription_events.event_type,
        -- same-instant sign-up and unsubscribe: the unsubscribe wins
        row_number() over (
            partition by months.month_end_date, subscription_events.person_id
            order by subscription_events.occurred_at desc, subscription_events.event_type desc
        ) as recency_rank
    from months
    inner join subscription_events
        on months.month_end_date >= subscription_events.event_date
),

final as (
    select
        months.month_end_date as evaluation_date,
        sign_ups.person_id,
        min(sign_ups.event_date) as entered_on
    from months
    inner join subscription_events as sign_ups
        on
            sign_ups.event_type = 'email_signup'
            and {{ within_days_before('sign_ups.event_date', 'months.month_end_date',
                                      var('audience_window_days').new_enquirers) }}
    inner join subscriptions_on_dates as latest_subscription
        on
            sign_ups.person_id = latest_subscription.person_id
            and months.month_end_date = latest_subscription.evaluation_date
            and latest_subscription.recency_rank = 1
    inner join milestones
        on sign_ups.person_id = milestones.person_id
    where
        latest_subscription.event_type = 'email_signup'
        and (milestones.first_order_on is null or milestones.first_order_on > months.month_end_date)
    group by months.month_end_date, sign_ups.person_id
)

select * from final

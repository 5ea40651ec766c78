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

sign_ups_in_window as (
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
    group by months.month_end_date, sign_ups.person_id
),

subscriptions_by_dates as (
    -- each candidate's latest sign-up and unsubscribe by the date: only people who signed up in
    -- the window, not every subscriber at every later month end (issue #18)
    select
        sign_ups_in_window.evaluation_date,
        sign_ups_in_window.person_id,
        sign_ups_in_window.entered_on,
        max(case when subscription_events.event_type = 'email_signup' then subscription_events.occurred_at end)
            as last_signed_up_at,
        max(case when subscription_events.event_type = 'email_unsubscribe' then subscription_events.occurred_at end)
            as last_unsubscribed_at
    from sign_ups_in_window
    inner join subscription_events
        on
            sign_ups_in_window.person_id = subscription_events.person_id
            and sign_ups_in_window.evaluation_date >= subscription_events.event_date
    group by sign_ups_in_window.evaluation_date, sign_ups_in_window.person_id, sign_ups_in_window.entered_on
),

final as (
    select
        subscriptions_by_dates.evaluation_date,
        subscriptions_by_dates.person_id,
        subscriptions_by_dates.entered_on
    from subscriptions_by_dates
    inner join milestones
        on subscriptions_by_dates.person_id = milestones.person_id
    where
        -- still subscribed: a same-instant sign-up and unsubscribe leaves the person unsubscribed
        (
            subscriptions_by_dates.last_unsubscribed_at is null
            or subscriptions_by_dates.last_signed_up_at > subscriptions_by_dates.last_unsubscribed_at
        )
        and (milestones.first_order_on is null or milestones.first_order_on > subscriptions_by_dates.evaluation_date)
)

select * from final

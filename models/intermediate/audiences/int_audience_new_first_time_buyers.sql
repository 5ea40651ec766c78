-- new_first_time_buyers at every month end (the as-of date for the current month): first valid
-- order in the audience_window_days ending on the date and no second one by then. Grain:
-- evaluation date x person.
with

milestones as (
    select * from {{ ref('int_people_milestone_dates') }}
),

months as (
    select * from {{ ref('int_months') }}
),

final as (
    select
        months.month_end_date as evaluation_date,
        milestones.person_id,
        milestones.first_order_on as entered_on
    from months
    inner join milestones
        on
            {{ within_days_before('milestones.first_order_on', 'months.month_end_date',
                                  var('audience_window_days').new_first_time_buyers) }}
    where milestones.second_order_on is null or milestones.second_order_on > months.month_end_date
)

select * from final

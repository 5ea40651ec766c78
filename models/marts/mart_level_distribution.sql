-- People on each level at each month end (the as-of date for the current month), the change on
-- the month before, and for level 1 (world) the audience reached by ads that month.
-- Grain: month x level.
with

level_history as (
    select * from {{ ref('fct_level_history') }}
),

months as (
    select * from {{ ref('int_months') }}
),

levels as (
    select * from {{ ref('levels') }}
),

audience_by_month as (
    select * from {{ ref('int_ad_audience_by_month') }}
),

arrivals as (
    select
        level_number,
        {{ month_of('valid_from') }} as month,
        count(*) as arrived
    from level_history
    group by level_number, {{ month_of('valid_from') }}
),

departures as (
    select
        level_number,
        {{ month_of('valid_to') }} as month,
        count(*) as departed
    from level_history
    where valid_to is not null
    group by level_number, {{ month_of('valid_to') }}
),

month_levels as (
    select
        months.month,
        months.month_end_date,
        months.is_complete,
        levels.level_number,
        levels.level_name
    from months
    cross join levels
),

net_moves as (
    select
        month_levels.*,
        coalesce(arrivals.arrived, 0) - coalesce(departures.departed, 0) as net_arrivals
    from month_levels
    left join arrivals
        on
            month_levels.level_number = arrivals.level_number
            and month_levels.month = arrivals.month
    left join departures
        on
            month_levels.level_number = departures.level_number
            and month_levels.month = departures.month
),

people_at_month_end as (
    -- a period counts from its valid_from month until the month of its valid_to
    select
        *,
        sum(net_arrivals) over (
            partition by level_number
            order by month rows between unbounded preceding and current row
        ) as people
    from net_moves
),

final as (
    select
        people_at_month_end.month,
        people_at_month_end.month_end_date,
        people_at_month_end.is_complete as is_complete_month,
        cast(people_at_month_end.level_number as integer) as level_number,
        people_at_month_end.level_name,
        cast(case when people_at_month_end.level_number > 1 then people_at_month_end.people end as bigint)
            as people,
        cast(
            case
                when people_at_month_end.level_number > 1
                    then people_at_month_end.people - coalesce(lag(people_at_month_end.people) over (
                            partition by people_at_month_end.level_number order by people_at_month_end.month
                        ), 0)
            end as bigint
        ) as people_change,
        cast(
            case
                when people_at_month_end.level_number = 1 then coalesce(audience_by_month.audience_reached, 0)
            end as bigint
        ) as audience_reached
    from people_at_month_end
    left join audience_by_month
        on people_at_month_end.month = audience_by_month.month
)

select * from final

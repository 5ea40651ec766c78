-- Each stage audience month by month: members at the month end, how many joined that month, and
-- the lift - how many of the month-end members moved up a level or ordered within
-- audience_lift_window_days - so methods can be compared. Grain: audience x month, dense.
with

memberships as (
    select * from {{ ref('int_audience_memberships') }}
),

months as (
    select * from {{ ref('int_months') }}
),

audiences as (
    select * from {{ ref('audiences') }}
),

grid as (
    select
        audiences.audience,
        audiences.stage,
        months.month,
        months.month_end_date
    from audiences
    cross join months
),

counted as (
    select
        audience,
        month,
        count(*) as members,
        sum(case when entered_on >= month then 1 else 0 end) as new_members,
        count(moved_up_in_lift_window) as members_with_known_outcome,
        sum(case when moved_up_in_lift_window then 1 else 0 end) as members_moved_up,
        sum(case when ordered_in_lift_window then 1 else 0 end) as members_ordered
    from memberships
    group by audience, month
),

final as (
    select
        grid.audience,
        cast(grid.stage as integer) as stage,
        grid.month,
        grid.month_end_date,
        cast(coalesce(counted.members, 0) as bigint) as members,
        cast(coalesce(counted.new_members, 0) as bigint) as new_members,
        -- outcomes are known once the lift window after the month end is over
        cast(case when counted.members_with_known_outcome > 0 then counted.members_moved_up end as bigint)
            as moved_up_in_lift_window,
        cast(case when counted.members_with_known_outcome > 0 then counted.members_ordered end as bigint)
            as ordered_in_lift_window,
        cast(
            case when counted.members_with_known_outcome > 0 then 1.0 * counted.members_moved_up / counted.members end
            as double
        ) as moved_up_rate,
        cast(
            case when counted.members_with_known_outcome > 0 then 1.0 * counted.members_ordered / counted.members end
            as double
        ) as ordered_rate,
        cast({{ var('audience_lift_window_days') }} as integer) as lift_window_days
    from grid
    left join counted
        on grid.audience = counted.audience and grid.month = counted.month
)

select * from final

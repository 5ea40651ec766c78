-- People by lifecycle status on each level at each month end (the as-of date for the current
-- month): buyers new / retained / resurrected / between_orders / dormant, visitors and enquirers
-- active / dormant (rules: int_people_lifecycle_at_month_ends). Every month, level and status the
-- level can have, with zeros. Grain: month x level x lifecycle status.
with

lifecycle as (
    select * from {{ ref('int_people_lifecycle_at_month_ends') }}
),

months as (
    select * from {{ ref('int_months') }}
),

levels as (
    select * from {{ ref('levels') }}
),

statuses as (
    -- the statuses each kind of level can have: buyers by orders, levels 2-3 by web activity
    select
        'new' as lifecycle_status,
        4 as from_level
    union all
    select
        'retained' as lifecycle_status,
        4 as from_level
    union all
    select
        'resurrected' as lifecycle_status,
        4 as from_level
    union all
    select
        'between_orders' as lifecycle_status,
        4 as from_level
    union all
    select
        'dormant' as lifecycle_status,
        2 as from_level
    union all
    select
        'active' as lifecycle_status,
        2 as from_level
),

grid as (
    select
        months.month,
        months.month_end_date,
        months.is_complete,
        levels.level_number,
        levels.level_name,
        statuses.lifecycle_status
    from months
    cross join levels
    inner join statuses
        on
            levels.level_number >= statuses.from_level
            -- active is by web activity: levels 2-3 only
            and (statuses.lifecycle_status <> 'active' or levels.level_number <= 3)
),

counts as (
    select
        month,
        level_number,
        lifecycle_status,
        count(*) as people,
        sum(case when is_newly_dormant then 1 else 0 end) as newly_dormant
    from lifecycle
    group by month, level_number, lifecycle_status
),

final as (
    select
        cast(grid.month as date) as month,
        cast(grid.month_end_date as date) as month_end_date,
        cast(grid.is_complete as boolean) as is_complete_month,
        cast(grid.level_number as integer) as level_number,
        cast(grid.level_name as {{ dbt.type_string() }}) as level_name,
        cast(grid.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(coalesce(counts.people, 0) as bigint) as people,
        cast(coalesce(counts.newly_dormant, 0) as bigint) as newly_dormant
    from grid
    left join counts
        on
            grid.month = counts.month
            and grid.level_number = counts.level_number
            and grid.lifecycle_status = counts.lifecycle_status
)

select * from final

-- People per level at each month end in mart_level_distribution equal a direct count of the
-- fct_level_history periods covering that day.
with

distribution as (
    select * from {{ ref('mart_level_distribution') }}
),

level_history as (
    select * from {{ ref('fct_level_history') }}
),

counted_from_history as (
    select
        distribution.month,
        distribution.level_number,
        count(level_history.person_id) as people
    from distribution
    left join level_history
        on
            distribution.level_number = level_history.level_number
            and distribution.month_end_date >= level_history.valid_from
            and (distribution.month_end_date < level_history.valid_to or level_history.valid_to is null)
    where distribution.level_number > 1
    group by distribution.month, distribution.level_number
),

final as (
    select
        distribution.month,
        distribution.level_number,
        distribution.people as mart_people,
        counted_from_history.people as history_people
    from distribution
    inner join counted_from_history
        on
            distribution.month = counted_from_history.month
            and distribution.level_number = counted_from_history.level_number
    where distribution.people <> counted_from_history.people
)

select * from final

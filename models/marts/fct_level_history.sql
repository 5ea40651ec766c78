-- Every person's relationship level over time: one row per person and period on a level, so the
-- level of anyone on any date d is one join away (valid_from <= d and (d < valid_to or valid_to is null)).
with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

levels as (
    select * from {{ ref('levels') }}
),

final as (
    select
        cast(level_periods.person_id as {{ dbt.type_string() }}) as person_id,
        cast(level_periods.level_number as integer) as level_number,
        cast(levels.level_name as {{ dbt.type_string() }}) as level_name,
        cast(level_periods.valid_from as date) as valid_from,
        cast(level_periods.valid_to as date) as valid_to,
        level_periods.valid_to is null as is_current
    from level_periods
    inner join levels
        on level_periods.level_number = levels.level_number
)

select * from final

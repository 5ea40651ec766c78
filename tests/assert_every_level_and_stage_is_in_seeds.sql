-- Names the definition rows missing from seeds/levels.csv and seeds/stages.csv, with the row to add.
-- A failure: a level people reach without a levels row drops them from fct_level_history and every
-- count of people, and a level below the top without the stage leaving it drops that stage from
-- the funnel and the choice of the weakest stage - numbers that would be wrong, not just unnamed.
{{ config(store_failures=true) }}

with

level_periods as (
    select * from {{ ref('int_level_periods') }}
),

levels as (
    select * from {{ ref('levels') }}
),

stages as (
    select * from {{ ref('stages') }}
),

levels_reached as (
    select distinct level_number
    from level_periods
),

top_level as (
    select max(level_number) as level_number
    from levels
),

missing_levels as (
    select
        'levels' as seed,
        levels_reached.level_number,
        {{ dbt.concat([
            'cast(levels_reached.level_number as ' ~ dbt.type_string() ~ ')',
            "',<level_name>,<description>'",
        ]) }} as seed_row_to_add
    from levels_reached
    left join levels
        on levels_reached.level_number = levels.level_number
    where levels.level_number is null
),

missing_stages as (
    -- stage s moves people up from level s (README: The stages)
    select
        'stages' as seed,
        levels.level_number,
        {{ dbt.concat([
            'cast(levels.level_number as ' ~ dbt.type_string() ~ ')',
            "',<stage_name>,'",
            'cast(levels.level_number as ' ~ dbt.type_string() ~ ')',
            "','",
            'cast(levels.level_number + 1 as ' ~ dbt.type_string() ~ ')',
        ]) }} as seed_row_to_add
    from levels
    cross join top_level
    left join stages
        on levels.level_number = stages.from_level_number
    where levels.level_number < top_level.level_number and stages.stage is null
),

final as (
    select * from missing_levels
    union all
    select * from missing_stages
)

select * from final

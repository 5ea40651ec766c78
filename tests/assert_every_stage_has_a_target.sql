-- Names each stage that seeds/stage_targets.csv gives no target, with the row to add.
-- A warning, not a failure: a stage without a target keeps its conversion numbers and is only left
-- out of the ranking (performance_index null; docs/decisions.md: the weakest stage), which a store
-- may want.
{{ config(severity='warn', store_failures=true) }}

with

stages as (
    select * from {{ ref('stages') }}
),

stage_targets as (
    select * from {{ ref('stage_targets') }}
),

final as (
    select
        stages.stage,
        stages.stage_name,
        {{ dbt.concat([
            'cast(stages.stage as ' ~ dbt.type_string() ~ ')',
            "',<target_conversion_rate>,<note>'",
        ]) }} as seed_row_to_add
    from stages
    left join stage_targets
        on stages.stage = stage_targets.stage
    where stage_targets.stage is null
)

select * from final

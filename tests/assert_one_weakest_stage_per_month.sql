-- Exactly one stage is the weakest in every month where any stage has a performance index, and
-- none in months without one.
with

focus as (
    select * from {{ ref('mart_stage_focus') }}
),

per_month as (
    select
        month,
        sum(case when is_weakest then 1 else 0 end) as weakest_stages,
        count(performance_index) as stages_with_index
    from focus
    group by month
),

final as (
    select
        month,
        weakest_stages,
        stages_with_index
    from per_month
    where weakest_stages <> case when stages_with_index > 0 then 1 else 0 end
)

select * from final

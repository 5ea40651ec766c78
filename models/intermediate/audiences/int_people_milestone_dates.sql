-- The milestones audience rules compare with a month end, as store-local dates: sign-up, first and
-- second valid order. Grain: person.
with

people as (
    select * from {{ ref('int_people_milestones') }}
),

final as (
    select
        person_id,
        {{ store_date('signed_up_at') }} as signed_up_on,
        {{ store_date('first_order_at') }} as first_order_on,
        {{ store_date('second_order_at') }} as second_order_on
    from people
)

select * from final

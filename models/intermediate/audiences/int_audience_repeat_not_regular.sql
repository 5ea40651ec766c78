-- repeat_not_regular at every month end (the as-of date for the current month): a repeat buyer
-- (level 5) with one valid order fewer in the regular-buyer window than a regular needs
-- (regular_buyer_min_orders). Grain: evaluation date x person.
with

buyer_histories as (
    select * from {{ ref('int_buyer_histories_at_month_ends') }}
),

final as (
    select
        evaluation_date,
        person_id,
        -- one short since the order that made it so, or since falling back from regular
        greatest(last_order_on, valid_from) as entered_on
    from buyer_histories
    where level_number = 5 and orders_in_regular_window = {{ var('regular_buyer_min_orders') }} - 1
)

select * from final

-- On the as-of date, lapsing_regulars (p_alive in SQL, macro bgnbd_p_alive) are exactly the regular
-- buyers dim_people flags at_risk (p_alive in Python, scripts/clv.py): the two formulas agree.
-- Only meaningful when BG/NBD fitted; without a fit the audience uses the usual-gap rule.
{{ config(enabled=var('clv_predictions_enabled')) }}
with

memberships as (
    select * from {{ ref('fct_audience_membership') }}
),

people as (
    select * from {{ ref('dim_people') }}
),

parameters as (
    select * from {{ ref('clv_model_parameters') }}
),

lapsing as (
    select person_id
    from memberships
    where audience = 'lapsing_regulars'
),

at_risk_regulars as (
    select person_id
    from people
    where level_name = 'regular_buyer' and at_risk
),

mismatches as (
    select
        coalesce(lapsing.person_id, at_risk_regulars.person_id) as person_id,
        lapsing.person_id is not null as is_lapsing,
        at_risk_regulars.person_id is not null as is_at_risk
    from lapsing
    full outer join at_risk_regulars
        on lapsing.person_id = at_risk_regulars.person_id
    where lapsing.person_id is null or at_risk_regulars.person_id is null
),

final as (
    select mismatches.*
    from mismatches
    where exists (
            select 1 from parameters
            where parameters.model_name = 'bg_nbd' and parameters.fit_status = 'ok'
        )
)

select * from final

-- The stage audiences as of the as-of date, ready for the export: one row per person and audience
-- and whether they may be e-mailed. No e-mail hash: the plain SHA-256 customer-match uploads take
-- would identify people to anyone holding their address (activation.customer_match_emails has it).
with

memberships as (
    select * from {{ ref('int_audience_memberships') }}
),

contact as (
    select * from {{ ref('int_people_contact') }}
),

people as (
    select * from {{ ref('dim_people') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

final as (
    select
        cast(memberships.person_id as {{ dbt.type_string() }}) as person_id,
        cast(memberships.audience as {{ dbt.type_string() }}) as audience,
        cast(memberships.stage as integer) as stage,
        cast(memberships.entered_on as date) as entered_on,
        cast(people.level_name as {{ dbt.type_string() }}) as level_name,
        cast(coalesce(contact.is_unsubscribed, false) as boolean) as is_unsubscribed,
        cast(contact.email_hash is not null and not coalesce(contact.is_unsubscribed, false) as boolean)
            as can_email,
        cast(people.p_alive as double) as p_alive,
        cast(as_of.as_of_date as date) as as_of_date
    from memberships
    inner join as_of
        on memberships.evaluation_date = as_of.as_of_date
    left join contact
        on memberships.person_id = contact.person_id
    left join people
        on memberships.person_id = people.person_id
)

select * from final

-- The plain SHA-256 of the e-mail of every person who may be e-mailed (int_people_contact: an
-- e-mail known, not unsubscribed), for the customer-match files scripts/export_audiences.py writes.
-- Outside the marts, so never in the served file or a BI tool: anyone holding an address finds its
-- plain SHA-256 again. Grain: person.
with

contact as (
    select * from {{ ref('int_people_contact') }}
),

email_sha256 as (
    select * from {{ ref('stg_customer_match__email_sha256') }}
),

final as (
    select
        contact.person_id,
        email_sha256.email_sha256
    from contact
    inner join email_sha256
        on contact.email_hash = email_sha256.email_hash
    where not contact.is_unsubscribed
)

select * from final

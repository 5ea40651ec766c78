-- Every e-mail address in the raw events and orders as its keyed hash (email_hash, what the models
-- join on) beside its plain SHA-256 (what Google Ads and Meta customer match take). The one place
-- the plain hash is made, here where addresses are read; ephemeral, so it is stored only for people
-- who may be e-mailed, in activation.customer_match_emails, never in a mart. Grain: address.
with

event_emails as (
    select email from {{ canonical_raw('web', 'events') }}
),

order_emails as (
    select email from {{ canonical_raw('shop', 'orders') }}
),

raw_addresses as (
    -- each spelling once before hashing: hashing is the cost here
    select email from event_emails
    union
    select email from order_emails
),

final as (
    select distinct
        {{ hash_email('email') }} as email_hash,
        {{ email_sha256('email') }} as email_sha256
    from raw_addresses
    where {{ normalised_email('email') }} is not null
)

select * from final

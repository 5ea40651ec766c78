-- Erasure requests, identities hashed at once: the clear customer id or e-mail of a person who
-- asked to be forgotten is stored nowhere. Grain: request.
with

source as (
    select
        customer_id,
        email,
        requested_at
    from {{ source('privacy', 'erasure_requests') }}
),

hashed as (
    select
        {{ keyed_hash(clean_string('customer_id')) }} as customer_id_hash,
        {{ hash_email('email') }} as email_hash,
        {{ dbt.safe_cast('requested_at', dbt.type_timestamp()) }} as requested_at
    from source
),

final as (
    select
        case when customer_id_hash is not null then 'customer_id' else 'email' end as identifier_type,
        coalesce(customer_id_hash, email_hash) as identifier_hash,
        requested_at
    from hashed
    where coalesce(customer_id_hash, email_hash) is not null
)

select * from final

-- The erasure log: every identifier of a person who asked to be erased, as its keyed hash (macro
-- keyed_hash, the hash staging matches rows on), with the date of the request - the customer ids
-- and e-mails requested, the customers who used a requested e-mail, the e-mails those customers
-- used, their orders, and every cookie (anonymous_id) seen with any of them. Staging drops every
-- raw row carrying one of these (macro is_erased), so the person appears in no other model. Reads
-- the raw sources itself: staging depends on it. Grain: identifier.
with

requests as (
    select * from {{ ref('stg_privacy__erasure_requests') }}
),

raw_events as (
    select
        {{ clean_string('anonymous_id') }} as anonymous_id,
        {{ keyed_hash(clean_string('customer_id')) }} as customer_id_hash,
        {{ hash_email('email') }} as email_hash
    from {{ canonical_raw('web', 'events') }}
),

raw_orders as (
    select
        {{ clean_string('order_id') }} as order_id,
        {{ keyed_hash(clean_string('customer_id')) }} as customer_id_hash,
        {{ hash_email('email') }} as email_hash
    from {{ canonical_raw('shop', 'orders') }}
),

requested_customers as (
    select
        identifier_hash as customer_id_hash,
        requested_at
    from requests
    where identifier_type = 'customer_id'
),

requested_emails as (
    select
        identifier_hash as email_hash,
        requested_at
    from requests
    where identifier_type = 'email'
),

erased_customers as (
    select
        customer_id_hash,
        min(requested_at) as requested_at
    from (
        select
            customer_id_hash,
            requested_at
        from requested_customers
        union all
        select
            raw_orders.customer_id_hash,
            requested_emails.requested_at
        from raw_orders
        inner join requested_emails on raw_orders.email_hash = requested_emails.email_hash
        union all
        select
            raw_events.customer_id_hash,
            requested_emails.requested_at
        from raw_events
        inner join requested_emails on raw_events.email_hash = requested_emails.email_hash
        where raw_events.customer_id_hash is not null
    ) as customers
    group by customer_id_hash
),

erased_emails as (
    select
        email_hash,
        min(requested_at) as requested_at
    from (
        select
            email_hash,
            requested_at
        from requested_emails
        union all
        select
            raw_orders.email_hash,
            erased_customers.requested_at
        from raw_orders
        inner join erased_customers on raw_orders.customer_id_hash = erased_customers.customer_id_hash
        where raw_orders.email_hash is not null
        union all
        select
            raw_events.email_hash,
            erased_customers.requested_at
        from raw_events
        inner join erased_customers on raw_events.customer_id_hash = erased_customers.customer_id_hash
        where raw_events.email_hash is not null
    ) as emails
    group by email_hash
),

raw_linked_identifiers as (
    -- orders and cookies, each with the customer and e-mail it was seen with
    select
        'order_id' as identifier_type,
        order_id as identifier_value,
        customer_id_hash,
        email_hash
    from raw_orders
    where order_id is not null
    union all
    select
        'anonymous_id' as identifier_type,
        anonymous_id as identifier_value,
        customer_id_hash,
        email_hash
    from raw_events
    where anonymous_id is not null
),

erased_linked_identifiers as (
    select
        raw_linked_identifiers.identifier_type,
        raw_linked_identifiers.identifier_value,
        min(coalesce(erased_customers.requested_at, erased_emails.requested_at)) as requested_at
    from raw_linked_identifiers
    left join erased_customers on raw_linked_identifiers.customer_id_hash = erased_customers.customer_id_hash
    left join erased_emails on raw_linked_identifiers.email_hash = erased_emails.email_hash
    where erased_customers.customer_id_hash is not null or erased_emails.email_hash is not null
    group by raw_linked_identifiers.identifier_type, raw_linked_identifiers.identifier_value
),

erased as (
    select
        'customer_id' as identifier_type,
        customer_id_hash as identifier_hash,
        requested_at
    from erased_customers
    union all
    select
        'email' as identifier_type,
        email_hash as identifier_hash,
        requested_at
    from erased_emails
    union all
    select
        identifier_type,
        {{ keyed_hash('identifier_value') }} as identifier_hash,
        requested_at
    from erased_linked_identifiers
),

final as (
    select
        identifier_type,
        identifier_hash,
        requested_at,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as erased_in_build_at
    from erased
)

select * from final

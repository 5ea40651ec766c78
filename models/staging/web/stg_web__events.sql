-- Web events, one row per event_id (the first delivery kept), e-mail replaced by its hash.
with

source as (
    select
        event_id,
        event_type,
        anonymous_id,
        customer_id,
        email,
        occurred_at,
        loaded_at,
        utm_source,
        utm_medium,
        utm_campaign,
        page_path,
        referrer,
        _source_file,
        _source_row_number
    from {{ source('web', 'events') }}
),

renamed as (
    select
        {{ clean_string('event_id') }} as event_id,
        lower({{ clean_string('event_type') }}) as event_type,
        {{ clean_string('anonymous_id') }} as anonymous_id,
        {{ clean_string('customer_id') }} as customer_id,
        {{ hash_email('email') }} as email_hash,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        lower({{ clean_string('utm_source') }}) as utm_source,
        lower({{ clean_string('utm_medium') }}) as utm_medium,
        {{ clean_string('utm_campaign') }} as utm_campaign,
        {{ clean_string('page_path') }} as page_path,
        {{ clean_string('referrer') }} as referrer,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

ranked as (
    select
        *,
        {{ delivery_rank(['event_id']) }} as delivery_rank
    from renamed
),

final as (
    select
        event_id,
        event_type,
        anonymous_id,
        customer_id,
        email_hash,
        occurred_at,
        loaded_at,
        utm_source,
        utm_medium,
        utm_campaign,
        page_path,
        referrer,
        source_file
    from ranked
    where delivery_rank = 1
)

select * from final

-- Orders, one row per order_id (the first delivery kept), e-mail replaced by its hash.
with

source as (
    select
        order_id,
        customer_id,
        email,
        ordered_at,
        currency,
        amount,
        status,
        loaded_at,
        _source_file,
        _source_row_number
    from {{ source('shop', 'orders') }}
),

renamed as (
    select
        {{ clean_string('order_id') }} as order_id,
        {{ clean_string('customer_id') }} as customer_id,
        {{ hash_email('email') }} as email_hash,
        cast(ordered_at as {{ dbt.type_timestamp() }}) as ordered_at,
        upper({{ clean_string('currency') }}) as currency,
        cast(amount as decimal(18, 2)) as amount,
        lower({{ clean_string('status') }}) as status,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

ranked as (
    select
        *,
        {{ delivery_rank(['order_id']) }} as delivery_rank
    from renamed
),

final as (
    select
        order_id,
        customer_id,
        email_hash,
        ordered_at,
        currency,
        amount,
        status,
        loaded_at,
        source_file
    from ranked
    where delivery_rank = 1
)

select * from final

-- Every raw order row, typed and cleaned, with the reason it is quarantined (null = good) and
-- whether it belongs to a person who asked to be erased. Grain: raw row. Ephemeral: rows of
-- erased people are never stored. No delivery rank here: incremental staging ranks only the
-- rows it reads, so a filter on loaded_at must reach the raw scan.
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
        _source_row_number,
        source_quarantine_reason
    from {{ canonical_raw('shop', 'orders') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

typed as (
    select
        {{ clean_string('order_id') }} as order_id,
        {{ clean_string('customer_id') }} as customer_id,
        {{ hash_email('email') }} as email_hash,
        {{ dbt.safe_cast('ordered_at', dbt.type_timestamp()) }} as ordered_at,
        upper({{ clean_string('currency') }}) as currency,
        {{ dbt.safe_cast('amount', 'decimal(18, 2)') }} as amount,
        lower({{ clean_string('status') }}) as status,
        {{ dbt.safe_cast('loaded_at', dbt.type_timestamp()) }} as loaded_at,
        _source_file as source_file,
        _source_row_number as source_row_number,
        source_quarantine_reason
    from source
),

checked as (
    select
        typed.*,
        case
            -- the tool's own mapping rejected the row (macros/source_systems.sql)
            when typed.source_quarantine_reason is not null then typed.source_quarantine_reason
            when typed.order_id is null or typed.customer_id is null then 'missing_key'
            when typed.ordered_at is null or typed.loaded_at is null then 'bad_timestamp'
            when typed.amount is null then 'bad_amount'
            when typed.amount < 0 then 'negative_amount'
            when currencies.currency is null then 'unknown_currency'
            when typed.status is null or typed.status not in ('completed', 'cancelled') then 'unknown_status'
        end as quarantine_reason,
        (
            {{ is_erased('customer_id', 'typed.customer_id') }}
            or {{ is_erased('email', 'typed.email_hash', already_hashed=true) }}
            or {{ is_erased('order_id', 'typed.order_id') }}
        ) as is_erased
    from typed
    left join currencies
        on typed.currency = currencies.currency
),

final as (
    select * from checked
)

select * from final

-- Every raw row of the orders file, typed, with its part: the first row of an order (the order's
-- row), a further line of it (merged into that row), or a credit (a refund). Grain: raw row.
-- Line-level files (quantity and unit_price mapped) are summed per order; order-level files have
-- one row per order. loaded_at is the latest order time in the same file: a spreadsheet carries no
-- delivery time (docs/decisions.md: order tools' loaded_at).
{{ config(enabled=var('order_source') == 'orders_file') }}
{% set column_map = var('orders_file_columns') %}
{% set is_line_level = column_map.get('quantity') is not none and column_map.get('unit_price') is not none %}
{% set credit_prefix = var('orders_file_credit_prefix') %}
{% set timezone = var('orders_file_timezone') or var('store_timezone') %}
{% set currency = var('orders_file_currency') %}
{% set guest_ids = var('orders_file_guest_customer_ids', []) %}

with

source as (
    select * from {{ source('orders_file', 'orders') }}
),

typed as (
    select
        {{ clean_string('order_id') }} as order_id,
        {% if guest_ids %}
            -- a guest placeholder id (WooCommerce's 0) is no customer: the e-mail is the person
            case
                when {{ clean_string('customer_id') }} in ('{{ guest_ids | map('replace', "'", "''") | join("', '") }}') then null
                else {{ clean_string('customer_id') }}
            end as customer_id,
        {% else %}
            {{ clean_string('customer_id') }} as customer_id,
        {% endif %}
        {{ clean_string('email') }} as email,
        {{ text_to_utc_timestamp('ordered_at', timezone, var('orders_file_timestamp_format')) }} as ordered_at,
        {% if is_line_level %}
            {{ text_to_decimal('quantity') }} * {{ text_to_decimal('unit_price') }} as line_amount,
            {{ text_to_decimal('quantity') }} < 0 as is_negative,
        {% else %}
            {{ text_to_decimal('amount') }} as line_amount,
            {{ text_to_decimal('amount') }} < 0 as is_negative,
        {% endif %}
        {{ clean_string('product_id') }} as product_id,
        upper(coalesce({{ clean_string('currency') }}, {{ "'" ~ currency ~ "'" if currency else 'null' }})) as currency,
        {% if column_map.get('status') is not none %}
            lower({{ clean_string('status') }}) as source_status,
        {% else %}
            'completed' as source_status,
        {% endif %}
        _source_file,
        _source_row_number
    from source
),

flagged as (
    select
        *,
        -- a guest checkout has no customer id: the keyed hash of the e-mail is its person
        coalesce(customer_id, {{ hash_email('email') }}) as customer_key,
        {% if credit_prefix %}
            coalesce(is_negative, false) or coalesce(order_id like '{{ credit_prefix }}%', false) as is_credit,
        {% else %}
            coalesce(is_negative, false) as is_credit,
        {% endif %}
        max(ordered_at) over (partition by _source_file) as loaded_at
    from typed
),

grouped as (
    -- an order's rows in one file (a file delivered twice is two deliveries of each order); an
    -- order's credit lines are refunds, not part of it
    select
        *,
        row_number() over (
            partition by _source_file, order_id, is_credit
            order by _source_row_number
        ) as row_in_order,
        case
            when count(line_amount) over (partition by _source_file, order_id, is_credit)
                = count(*) over (partition by _source_file, order_id, is_credit)
                then sum(line_amount) over (partition by _source_file, order_id, is_credit)
        end as order_amount
    from flagged
),

final as (
    select
        *,
        case
            when is_credit then 'credit'
            -- rows without an order id cannot be grouped: each is its own (quarantined) order
            when order_id is null or row_in_order = 1 then 'order'
            else 'merged'
        end as row_part,
        not is_credit and order_id is not null and row_in_order > 1 as is_merged_row
    from grouped
)

select * from final

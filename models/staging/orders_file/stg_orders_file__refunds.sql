-- Refunds of the orders file in the shop contract's raw shape: one row per credit row (a negative
-- quantity or amount, or an order id with var orders_file_credit_prefix), refunding the same
-- customer's latest order placed at or before the credit that holds the same product (ties: the
-- later order id), dated at the credit's own time. A credit with no such order is an
-- orphan_refund; one without a customer id or e-mail is missing_key.
{{ config(enabled=var('order_source') == 'orders_file') }}

with

lines as (
    select * from {{ ref('stg_orders_file__lines') }}
),

credits as (
    select
        order_id as credit_id,
        customer_key,
        ordered_at as credited_at,
        product_id,
        abs(line_amount) as amount,
        loaded_at,
        _source_file,
        _source_row_number,
        -- a credit note's lines, numbered in file order: the same note delivered twice gives the same ids
        row_in_order
    from lines
    where row_part = 'credit'
),

candidate_orders as (
    -- every order the file shows, with the products on its lines (any delivery)
    select distinct
        order_id,
        customer_key,
        ordered_at,
        product_id
    from lines
    where not is_credit and order_id is not null and customer_key is not null and ordered_at is not null
),

matches as (
    select
        credits._source_file,
        credits._source_row_number,
        candidate_orders.order_id,
        row_number() over (
            partition by credits._source_file, credits._source_row_number
            -- orders at the same time: the later id, the longer first, so #1000 is after #999
            order by
                candidate_orders.ordered_at desc,
                {{ dbt.length('candidate_orders.order_id') }} desc,
                candidate_orders.order_id desc
        ) as match_rank
    from credits
    inner join candidate_orders
        on
            credits.customer_key = candidate_orders.customer_key
            and credits.credited_at >= candidate_orders.ordered_at
            -- the same product (both blank when product_id is not mapped: any order)
            and coalesce(credits.product_id, '') = coalesce(candidate_orders.product_id, '')
),

final as (
    select
        {{ dbt.concat(["coalesce(credits.credit_id, '')", "'-'",
                       dbt.safe_cast('credits.row_in_order', dbt.type_string())]) }} as refund_id,
        matches.order_id,
        credits.credited_at as refunded_at,
        credits.amount,
        credits.loaded_at,
        credits._source_file,
        credits._source_row_number,
        case
            when credits.customer_key is null then 'missing_key'
            when credits.credited_at is null or credits.loaded_at is null then 'bad_timestamp'
            when credits.amount is null then 'bad_amount'
            when matches.order_id is null then 'orphan_refund'
        end as source_quarantine_reason
    from credits
    left join matches
        on
            credits._source_file = matches._source_file
            and credits._source_row_number = matches._source_row_number
            and matches.match_rank = 1
)

select * from final

{#-
    Raw data arrives at least once. Rank the deliveries of the same key so staging keeps the first
    loaded (ties broken by file and row, so the choice is deterministic). `tie_breakers` order
    rows that are the same delivery seen twice (an incremental run re-reading a stored row).
-#}
{% macro delivery_rank(key_columns, tie_breakers=[]) %}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by {{ (['loaded_at', 'source_file', 'source_row_number'] + tie_breakers) | join(', ') }}
    )
{% endmacro %}


{#- The value `column` holds in the latest delivery of its key (the last in `order_columns`, the
    tool's loaded_at, file and row): order tools restate an order - a later sync or export shows it
    voided, cancelled or deleted - and every delivery of the order takes the latest one's state, so
    the delivery staging keeps (the first) says what the store says now (docs/decisions.md). A row
    without a key is an order of its own. -#}
{% macro latest_delivery_value(column, key, order_columns) %}
    first_value({{ column }}) over (
        partition by
            {{ key }},
            case when {{ key }} is null then _source_file end,
            case when {{ key }} is null then _source_row_number end
        order by {{ order_columns | join(' desc, ') }} desc
    )
{% endmacro %}

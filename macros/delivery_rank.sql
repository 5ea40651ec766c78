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

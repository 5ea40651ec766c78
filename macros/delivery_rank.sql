{#-
    Raw data arrives at least once. Rank the deliveries of the same key so staging keeps the first
    loaded (ties broken by file and row, so the choice is deterministic).
-#}
{% macro delivery_rank(key_columns) %}
    row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by loaded_at, source_file, source_row_number
    )
{% endmacro %}

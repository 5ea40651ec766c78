{#-
    For a CTE over every event that is read more than once: DuckDB would otherwise materialize it
    (every column of every event; 100M events then ran out of an 8 GB memory_limit in
    int_events_stitched instead of spilling); inlined, each reader scans only the columns it needs
    and streams. Engines without the keyword inline CTEs anyway.
-#}
{% macro not_materialized() %}
    {{ return(adapter.dispatch('not_materialized', 'customer_levels')()) }}
{% endmacro %}

{% macro default__not_materialized() %}{% endmacro %}

{% macro duckdb__not_materialized() %}not materialized{% endmacro %}

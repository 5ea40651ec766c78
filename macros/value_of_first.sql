{#-
    Aggregate: `value` on the row that comes first by `order_columns` (a list; the last one must
    make the order unique), one pass with no sort of the rows: DuckDB's arg_min, Spark's min_by, on
    a struct of the order columns. `value` must not be null (coalesce it first): DuckDB's arg_min
    skips null values.
-#}
{% macro value_of_first(value, order_columns) -%}
    {{ return(adapter.dispatch('value_of_first', 'customer_levels')(value, order_columns)) }}
{%- endmacro %}

{% macro duckdb__value_of_first(value, order_columns) -%}
    arg_min({{ value }}, struct_pack({% for column in order_columns %}{{ column }}{% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}

{% macro default__value_of_first(value, order_columns) -%}
    min_by({{ value }}, struct({{ order_columns | join(', ') }}))
{%- endmacro %}

{#-
    The sum of an expression over the elements of a nested list (Airbyte's refund_line_items inside
    each order_refunds row), 0 for a null or empty list. `element` names one element in `expression`
    (e.g. list_sum_of('refund_line_items', 'line', 'line.subtotal + coalesce(line.total_tax, 0)')).
    `data_type` is the sum's type (Spark's aggregate keeps its accumulator's type at every step).
-#}
{% macro list_sum_of(list_column, element, expression, data_type='decimal(18, 2)') %}
    {{ return(adapter.dispatch('list_sum_of', 'customer_levels')(list_column, element, expression, data_type)) }}
{% endmacro %}


{% macro default__list_sum_of(list_column, element, expression, data_type) %}
    coalesce(aggregate(
        {{ list_column }},
        cast(0 as {{ data_type }}),
        (running_total, {{ element }}) -> cast(running_total + coalesce({{ expression }}, 0) as {{ data_type }})
    ), 0)
{% endmacro %}


{% macro duckdb__list_sum_of(list_column, element, expression, data_type) %}
    coalesce(cast(list_sum(list_transform(
        {{ list_column }}, lambda {{ element }}: coalesce({{ expression }}, 0)
    )) as {{ data_type }}), 0)
{% endmacro %}

{#- Continuous percentile (0..1) of a numeric expression, as an aggregate. -#}
{% macro percentile(expression, fraction) %}
    {{ return(adapter.dispatch('percentile', 'customer_levels')(expression, fraction)) }}
{% endmacro %}

{% macro default__percentile(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

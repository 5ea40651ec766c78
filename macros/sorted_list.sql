{#-
    Aggregate: the text values of a group, sorted and joined by `delimiter`.
    dbt.listagg drops the ordering on Spark, so Spark collects, sorts and joins instead.
-#}
{% macro sorted_list(expression, delimiter) %}
    {{ return(adapter.dispatch('sorted_list', 'customer_levels')(expression, delimiter)) }}
{% endmacro %}

{% macro default__sorted_list(expression, delimiter) -%}
    {{ dbt.listagg(expression, "'" ~ delimiter ~ "'", 'order by ' ~ expression) }}
{%- endmacro %}

{% macro spark__sorted_list(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), '{{ delimiter }}')
{%- endmacro %}

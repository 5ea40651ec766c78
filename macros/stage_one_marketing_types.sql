{#-
    The three ways stage 1 reaches the world (seed marketing_channels.marketing_type): shine_a_light
    (be seen: awareness), target_customers (reach the right people), get_found (be there when
    searched). One list for the seed test and the rows suggested for unmapped channels.
-#}
{% macro stage_one_marketing_types() %}
    {{ return(['shine_a_light', 'target_customers', 'get_found']) }}
{% endmacro %}

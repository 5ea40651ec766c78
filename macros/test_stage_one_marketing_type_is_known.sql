{#- Stage 1 channels must say how they reach the world: shine_a_light, target_customers or get_found. -#}
{% test stage_one_marketing_type_is_known(model) %}
    select *
    from {{ model }}
    where stage = 1 and marketing_type not in ('shine_a_light', 'target_customers', 'get_found')
{% endtest %}

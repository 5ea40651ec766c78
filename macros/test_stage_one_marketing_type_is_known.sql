{#- Stage 1 channels must say how they reach the world: one of stage_one_marketing_types(). -#}
{% test stage_one_marketing_type_is_known(model) %}
    select *
    from {{ model }}
    where stage = 1 and marketing_type not in ('{{ stage_one_marketing_types() | join("', '") }}')
{% endtest %}

{#- Fails with the rows where every one of the identifier columns is null. -#}
{% test has_identifier(model, columns) %}
    select *
    from {{ model }}
    where coalesce({{ columns | join(', ') }}) is null
{% endtest %}

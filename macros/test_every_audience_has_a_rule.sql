{#-
    Fails with one row per audience in `audiences` (the seed) that the tested union model reads no
    rule model int_audience_<audience> for: such an audience would silently show no members. The
    rules are read from the union's dependencies in the graph, so their list stays in one place.
-#}
{% test every_audience_has_a_rule(model, audiences) %}
    {%- set rules = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == model.identifier -%}
            {%- for parent in node.depends_on.nodes if parent.split('.')[-1].startswith('int_audience_') -%}
                {%- do rules.append(parent.split('.')[-1][('int_audience_' | length):]) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}
    select audience
    from {{ audiences }}
    {%- if rules %}
        where audience not in ('{{ rules | join("', '") }}')
    {%- endif %}
{% endtest %}

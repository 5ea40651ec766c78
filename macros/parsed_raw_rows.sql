{#- on-run-end: the rows of erased people leave the tables that hold parsed raw rows
    (base_ga4__events, a table so the nested GA4 files are parsed once per run). Those tables are
    rebuilt from the raw files on each run and read by staging, quarantine, the accounting and the
    erasure log, so they hold every row while the run lasts; once it ends, nothing stored keeps an
    erased cookie or customer id (docs/decisions.md: GA4 raw rows are parsed once per run). -#}
{% macro delete_erased_parsed_raw_rows() %}
    {% if execute and var('web_source') == 'ga4' %}
        {% set parsed = load_relation(model_relation('base_ga4__events')) %}
        {% set erasure_log = model_relation('erasure_log') %}
        {% if parsed is not none and erased_identifier_types(erasure_log) %}
            delete from {{ parsed }}
            where
                {{ is_erased('anonymous_id', 'user_pseudo_id', erasure_log=erasure_log) }}
                or {{ is_erased('customer_id', 'user_id', erasure_log=erasure_log) }}
        {% endif %}
    {% endif %}
{% endmacro %}


{#- A model's relation from the graph, for a hook where ref() would add a dependency of the hook. -#}
{% macro model_relation(model_name) %}
    {% set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
                  | selectattr('name', 'equalto', model_name) | first %}
    {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{% endmacro %}

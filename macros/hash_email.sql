{#- E-mail addresses never leave staging in clear: trim, lower-case, then SHA-256 hex (null when blank). -#}
{% macro hash_email(column) %}
    {{ return(adapter.dispatch('hash_email', 'customer_levels')(column)) }}
{% endmacro %}

{% macro default__hash_email(column) %}
    sha2(nullif(lower(trim({{ column }})), ''), 256)
{% endmacro %}

{% macro duckdb__hash_email(column) %}
    sha256(nullif(lower(trim({{ column }})), ''))
{% endmacro %}

{#- SHA-256 hex digest of a text expression: how identifiers are pseudonymised. -#}
{% macro sha256_hex(expression) %}
    {{ return(adapter.dispatch('sha256_hex', 'customer_levels')(expression)) }}
{% endmacro %}

{% macro default__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}


{#- E-mail addresses never leave staging in clear: trim, lower-case, then SHA-256 hex (null when blank). -#}
{% macro hash_email(column) -%}
    {{ sha256_hex("nullif(lower(trim(" ~ column ~ ")), '')") }}
{%- endmacro %}


{#-
    True when a row's identifier belongs to a person who asked to be erased
    (audit.erasure_log holds the hashes). `column` is the clean identifier.
    When the log, built earlier in the run, holds no identifier of this type, the check is the
    constant false: hashing every raw row to find nothing was most of the cost of staging.
-#}
{% macro is_erased(identifier_type, column, already_hashed=false) -%}
    {%- set logged_types = erased_identifier_types() -%}
    {%- if logged_types is not none and identifier_type not in logged_types -%}
        false
    {%- else -%}
    (
        {{ column }} is not null
        and exists (
            select 1
            from {{ ref('erasure_log') }} as erased
            where
                erased.identifier_type = '{{ identifier_type }}'
                and erased.identifier_hash = {{ column if already_hashed else sha256_hex(column) }}
        )
    )
    {%- endif -%}
{%- endmacro %}


{#- The identifier types in audit.erasure_log; none when unknown (parsing, or the log not built yet),
    which keeps the full check. -#}
{% macro erased_identifier_types() %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set log_relation = load_relation(ref('erasure_log')) %}
    {% if log_relation is none %}{{ return(none) }}{% endif %}
    {{ return(run_query('select distinct identifier_type from ' ~ log_relation).columns[0].values() | list) }}
{% endmacro %}

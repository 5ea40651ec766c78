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
-#}
{% macro is_erased(identifier_type, column, already_hashed=false) -%}
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
{%- endmacro %}

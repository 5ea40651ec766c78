{#-
    Pseudonymous identifiers (docs/data-quality.md#personal-data). Identifiers are HMAC-SHA256 hex
    digests under the project's secret key ($CUSTOMER_LEVELS_HASH_KEY): a plain SHA-256 of an
    e-mail is found again by anyone holding a list of addresses, a keyed hash only with the key.
    The key reaches the engine at run time (scripts/duckdb_hash_key.py on DuckDB, a Spark conf set
    in profiles.yml), never through compiled SQL, so it is in nothing dbt writes to target/ or the logs.
    Use keyed_hash only in tables and ephemeral models, never in a view: a view's stored text would
    hold the key (Spark substitutes it into the SQL) or read nothing (DuckDB's key is per session).
-#}
{% macro keyed_hash(expression) %}
    {{ return(adapter.dispatch('keyed_hash', 'customer_levels')(expression)) }}
{% endmacro %}

{#- DuckDB has no HMAC function: H(outer || H(inner || m)) over the key's two HMAC blocks, which the
    profile's plugin sets as session variables on every cursor. -#}
{% macro duckdb__keyed_hash(expression) -%}
    sha256(getvariable('customer_levels_hmac_outer') || unhex(sha256(getvariable('customer_levels_hmac_inner') || encode({{ expression }}))))
{%- endmacro %}

{#- Spark 4.3+: hmac(); the key is the conf spark.customer_levels.hash_key (profiles.yml), which Spark
    substitutes for ${...} when it runs the statement. -#}
{% macro spark__keyed_hash(expression) -%}
    lower(hex(hmac('${spark.customer_levels.hash_key}', {{ expression }})))
{%- endmacro %}

{% macro default__keyed_hash(expression) %}
    {{ exceptions.raise_compiler_error("keyed_hash: no keyed hash for the " ~ adapter.type() ~ " adapter") }}
{% endmacro %}


{#- Plain SHA-256 hex digest of a text expression. Pseudonymises nothing (see keyed_hash): only for
    the customer-match hash ad platforms require (email_sha256). -#}
{% macro sha256_hex(expression) %}
    {{ return(adapter.dispatch('sha256_hex', 'customer_levels')(expression)) }}
{% endmacro %}

{% macro default__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}


{#- An e-mail as it is hashed: trimmed and lower-cased, null when blank. -#}
{% macro normalised_email(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}


{#- E-mail addresses never leave staging in clear: the keyed hash of the normalised address. -#}
{% macro hash_email(column) -%}
    {{ keyed_hash(normalised_email(column)) }}
{%- endmacro %}


{#- The plain SHA-256 hex of the normalised address that Google Ads and Meta customer match take.
    Only for activation.customer_match_emails (never a mart): docs/audiences.md#exports. -#}
{% macro email_sha256(column) -%}
    {{ sha256_hex(normalised_email(column)) }}
{%- endmacro %}


{#- The fingerprint of the session's key: the keyed hash of a fixed text (scripts/hash_key.py).
    Tells two keys apart and gives nothing of the key away. -#}
{% macro hash_key_fingerprint() -%}
    {{ keyed_hash("'customer_levels hash key fingerprint'") }}
{%- endmacro %}


{#- On-run-start: stop when the session has no hash key, or when CUSTOMER_LEVELS_ENV=production and
    the key is the public demo key (the default when CUSTOMER_LEVELS_HASH_KEY is unset). Compares
    fingerprints, so the key itself never reaches a query or the Jinja context. -#}
{% macro assert_hash_key() %}
    {% if execute %}
        {% set fingerprint = run_query('select ' ~ hash_key_fingerprint() ~ ' as fingerprint').columns[0].values()[0] %}
        {% set production = env_var('CUSTOMER_LEVELS_ENV', '') | trim | lower == 'production' %}
        {#- hash_key.fingerprint(hash_key.DEMO_HASH_KEY) -#}
        {% set demo_fingerprint = '609df9cadda632f383085a7d42e93a50ace80af661a2ca5516dce27d2a5b8981' %}
        {% if fingerprint is none %}
            {{ exceptions.raise_compiler_error(
                "No hash key in the session: profiles.yml must load the plugin duckdb_hash_key (DuckDB) or set "
                ~ "spark.customer_levels.hash_key (Spark) from CUSTOMER_LEVELS_HASH_KEY") }}
        {% elif production and fingerprint == demo_fingerprint %}
            {{ exceptions.raise_compiler_error(
                "CUSTOMER_LEVELS_ENV=production but CUSTOMER_LEVELS_HASH_KEY is not set or is the public demo key: "
                ~ "set it to a secret key (docs/configuration.md#environment)") }}
        {% endif %}
    {% endif %}
    {{ return('') }}
{% endmacro %}


{#-
    True when a row's identifier belongs to a person who asked to be erased
    (audit.erasure_log holds the keyed hashes). `column` is the clean identifier.
    When the log, built earlier in the run, holds no identifier of this type, the check is the
    constant false: hashing every raw row to find nothing was most of the cost of staging.
-#}
{% macro is_erased(identifier_type, column, already_hashed=false, erasure_log=none) -%}
    {#- erasure_log: the log's relation where ref() cannot be used (an on-run-end hook) -#}
    {%- set erasure_log = erasure_log if erasure_log is not none else ref('erasure_log') -%}
    {%- set logged_types = erased_identifier_types(erasure_log) -%}
    {%- if logged_types is not none and identifier_type not in logged_types -%}
        false
    {%- else -%}
    (
        {{ column }} is not null
        and exists (
            select 1
            from {{ erasure_log }} as erased
            where
                erased.identifier_type = '{{ identifier_type }}'
                and erased.identifier_hash = {{ column if already_hashed else keyed_hash(column) }}
        )
    )
    {%- endif -%}
{%- endmacro %}


{#- The identifier types in audit.erasure_log; none when unknown (parsing, or the log not built yet),
    which keeps the full check. -#}
{% macro erased_identifier_types(erasure_log=none) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set log_relation = load_relation(erasure_log if erasure_log is not none else ref('erasure_log')) %}
    {% if log_relation is none %}{{ return(none) }}{% endif %}
    {{ return(run_query('select distinct identifier_type from ' ~ log_relation).columns[0].values() | list) }}
{% endmacro %}

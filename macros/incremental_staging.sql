{#-
    Incremental staging (docs/decisions.md: incremental staging). Event and order staging keep the
    first good delivery of each key. A run reads only the raw rows loaded since the latest stored
    delivery less var('late_arrival_lookback_days'), ranks them together with the stored delivery of
    the same keys, and writes the keys whose first delivery changed (delete+insert on the key).
-#}

{#- `incremental` where the engine can replace rows by key; a full `table` elsewhere. DuckDB runs
    delete+insert. Spark's Parquet tables cannot delete or merge (merge needs Delta), so on Spark the
    models rebuild in full unless var staging_incremental is true (with file_format delta).
    `restated_by_source`: the model's source can restate a key already staged (a Shopify order
    voided, cancelled or deleted by a later sync or export), which a run keeping the first stored
    delivery would miss; such a model is always a full table (docs/decisions.md). -#}
{% macro staging_materialization(restated_by_source=false) %}
    {% if restated_by_source %}{{ return('table') }}{% endif %}
    {% set choice = var('staging_incremental', none) %}
    {% if choice is none %}
        {% set choice = target.type == 'duckdb' %}
    {% endif %}
    {{ return('incremental' if choice else 'table') }}
{% endmacro %}


{% macro staging_incremental_strategy() %}
    {{ return('merge' if target.type == 'spark' else 'delete+insert') }}
{% endmacro %}


{#- Raw rows loaded at or after this are read: the latest stored delivery less the lookback on an
    incremental run (everything when the table is empty), every row otherwise. -#}
{% macro incremental_loaded_since() %}
    {% set everything = "cast('1900-01-01 00:00:00' as " ~ dbt.type_timestamp() ~ ")" %}
    {% if is_incremental() %}
        (
            select
                coalesce(
                    {{ dbt.dateadd('day', -1 * var('late_arrival_lookback_days'), 'max(loaded_at)') }},
                    {{ everything }}
                )
            from {{ this }}
        )
    {% else %}
        {{ everything }}
    {% endif %}
{% endmacro %}


{#- Stored rows must come from the raw store this run reads: merging another store's rows into them
    would mix two stores silently. Stops with the way out when the stored files lie elsewhere. -#}
{% macro assert_incremental_raw_store() %}
    {% if execute and is_incremental() %}
        {% set stored_file = run_query('select min(source_file) from ' ~ this).columns[0].values()[0] %}
        {% set raw_dir = var('raw_data_dir').rstrip('/') ~ '/' %}
        {#- an empty table has nothing to mix; a relative raw_data_dir (the default data/raw) matches
            the same directory stored absolute -#}
        {% set same_store = not stored_file or stored_file.startswith(raw_dir)
            or (not raw_dir.startswith('/') and ('/' ~ raw_dir) in stored_file) %}
        {% if not same_store %}
            {{ exceptions.raise_compiler_error(
                this ~ " holds rows read from " ~ stored_file ~ ", outside raw_data_dir " ~ raw_dir
                ~ ": an incremental run would mix two raw stores. Rebuild with --full-refresh "
                ~ "(scripts/build.py and scripts/refresh.py do this themselves when the store changes).") }}
        {% endif %}
    {% endif %}
{% endmacro %}


{#- Stored rows must be hashed with the key this run hashes with (column hash_key_fingerprint): with
    two keys, one person's e-mail would be two people and an erasure request would miss the stored
    rows. Stops with the way out when the key changed (or the rows predate keyed hashes). -#}
{% macro assert_incremental_hash_key() %}
    {% if execute and is_incremental() %}
        {% set stored_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
        {% set other_keys = 1 if 'hash_key_fingerprint' not in stored_columns else run_query(
            'select count(*) from ' ~ this ~ ' where coalesce(hash_key_fingerprint, \'\') <> '
            ~ hash_key_fingerprint()).columns[0].values()[0] %}
        {% if other_keys > 0 %}
            {{ exceptions.raise_compiler_error(
                this ~ " holds hashes made with another hash key (CUSTOMER_LEVELS_HASH_KEY) or before keyed hashes: "
                ~ "an incremental run would mix two keys. Rebuild with --full-refresh "
                ~ "(scripts/build.py and scripts/refresh.py do this themselves when the key changes).") }}
        {% endif %}
    {% endif %}
{% endmacro %}


{#- Post-hook: a new erasure request (or a new row tying a person to one) erases rows stored by
    earlier runs, as a full build would not have kept them. `identifiers` maps an erasure_log
    identifier_type to the column holding it (`email` columns hold the hash already). -#}
{% macro delete_erased_rows(identifiers) %}
    {#- no erased identifier at all: skip hashing every stored row -#}
    {% if execute and is_incremental() and erased_identifier_types() %}
        {% set conditions = [] %}
        {% for identifier_type, column in identifiers.items() %}
            {% do conditions.append(is_erased(identifier_type, column, already_hashed=(identifier_type == 'email'))) %}
        {% endfor %}
        delete from {{ this }}
        where {{ conditions | join(' or ') }}
    {% endif %}
{% endmacro %}


{#- The model listing the drafts a tool's later export supersedes (column draft_file_pattern, a `like`
    pattern on the lower-cased source_file), or none: GA4's intraday tables of the days its daily
    export holds. A model whose pre-hook reads it names it in a depends_on comment. -#}
{% macro superseded_drafts_relation() %}
    {{ return(ref('stg_ga4__superseded_drafts') if var('web_source') == 'ga4' else none) }}
{% endmacro %}


{#- Pre-hook: stored rows read from a superseded draft are deleted before the run ranks, so the
    final export's rows are staged as a full build stages them - the same event under another
    derived id is not kept twice, and a draft event the final export lacks disappears - whether the
    draft's files are still in the raw store (their rows then count as duplicates) or gone. -#}
{% macro delete_superseded_drafts() %}
    {% set drafts = superseded_drafts_relation() %}
    {% if execute and is_incremental() and drafts is not none %}
        delete from {{ this }}
        where source_file in (
            -- the stored files (a few thousand), not the stored rows, matched against the patterns
            select stored_files.source_file
            from (select distinct source_file from {{ this }}) as stored_files
            inner join {{ drafts }} as drafts
                on lower(stored_files.source_file) like drafts.draft_file_pattern
        )
    {% endif %}
{% endmacro %}

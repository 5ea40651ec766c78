{#-
    Raw data is files under var('raw_data_dir'), one sub-directory per source (docs/sources.md):
    Parquet, or the formats the table's meta.formats lists (csv; one directory may mix them).
    Before anything runs, every source table declared with meta.raw_dir becomes a view in its
    source schema, so models read raw data only through source(). The view has exactly the contract
    columns (extra file columns are ignored, absent nullable columns are typed nulls) plus the file
    and row each record came from. A missing or empty directory gives an empty, typed view; a file
    set lacking a required column stops the run with a message naming the source and the column.
-#}
{% macro create_raw_source_views() %}
    {{ return(adapter.dispatch('create_raw_source_views', 'customer_levels')()) }}
{% endmacro %}


{% macro default__create_raw_source_views() %}
    {{ exceptions.raise_compiler_error(
        "create_raw_source_views has no implementation for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}


{% macro raw_source_tables() %}
    {% set tables = [] %}
    {% for node in graph.sources.values() %}
        {% if node.package_name == project_name and node.meta.get('raw_dir') %}
            {% do tables.append(node) %}
        {% endif %}
    {% endfor %}
    {{ return(tables | sort(attribute='unique_id')) }}
{% endmacro %}


{% macro raw_column_is_required(column) %}
    {{ return(column.meta.get('required', true)) }}
{% endmacro %}


{#-
    The columns of a source's raw view: its name there, type, whether a file must carry it, and the
    column it is read from in the files. A column's meta.file_column names it in the files when that
    differs (e.g. Shopify's "Financial Status"). A table with meta.column_map_var reads each column
    from the file column that var maps it to (a key mapped to null is absent: a typed null); a
    mapped column is required, unless its meta.optional_when_var names a var that is set (a file
    without it then reads a null, which that var fills in staging: orders_file_currency). A mapped
    column is cast to its declared type: a spreadsheet's Parquet carries integers, doubles and
    timestamps where its CSV carries text, and the view's types must not depend on the format.
-#}
{% macro raw_source_columns(source) %}
    {% set columns = [] %}
    {% set map_var = source.meta.get('column_map_var') %}
    {% set column_map = var(map_var) if map_var else {} %}
    {% for column in source.columns.values() %}
        {% if map_var %}
            {% set file_column = column_map.get(column.name) %}
            {% set fallback_var = column.meta.get('optional_when_var') %}
            {% set required = file_column is not none and not (fallback_var and var(fallback_var)) %}
        {% else %}
            {% set file_column = column.meta.get('file_column', column.name) %}
            {% set required = raw_column_is_required(column) %}
        {% endif %}
        {% do columns.append({'name': column.name, 'data_type': column.data_type,
                              'file_column': file_column, 'required': required,
                              'cast_to_declared': map_var is not none}) %}
    {% endfor %}
    {{ return(columns) }}
{% endmacro %}


{#- The file formats read from a source's directory (meta.formats, default parquet). -#}
{% macro raw_source_formats(source) %}
    {{ return(source.meta.get('formats', ['parquet'])) }}
{% endmacro %}


{#- The reader of one file format: raw_<format>_rows(source, directory, columns) returns one select
    of the view's columns over the directory's files of that format, or none when there are none.
    One small dispatched macro per format (dbt resolves dispatch names only when written out). -#}
{% macro raw_format_reader(format) %}
    {% set readers = {
        'parquet': adapter.dispatch('raw_parquet_rows', 'customer_levels'),
        'csv': adapter.dispatch('raw_csv_rows', 'customer_levels'),
        'ndjson': adapter.dispatch('raw_ndjson_rows', 'customer_levels'),
    } %}
    {% if format not in readers %}
        {{ exceptions.raise_compiler_error("raw source format '" ~ format ~ "' is not read (meta.formats: "
                                           ~ (readers.keys() | list | join(', ')) ~ ")") }}
    {% endif %}
    {{ return(readers[format]) }}
{% endmacro %}


{#- Engines without a per-format reader build their views their own way (spark__create_raw_source_views). -#}
{% macro default__raw_parquet_rows(source, directory, columns) %}
    {{ exceptions.raise_compiler_error("raw_parquet_rows has no implementation for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}


{% macro default__raw_csv_rows(source, directory, columns) %}
    {{ exceptions.raise_compiler_error("raw_csv_rows has no implementation for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}


{% macro duckdb__create_raw_source_views() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for source in raw_source_tables() %}
        {% set directory = var('raw_data_dir') ~ '/' ~ source.meta['raw_dir'] %}
        {% set columns = raw_source_columns(source) %}
        {% set relation = api.Relation.create(database=source.database, schema=source.schema, identifier=source.identifier) %}
        {% do run_query('create schema if not exists ' ~ relation.without_identifier()) %}

        {#- one select per format with files, each with the view's columns -#}
        {% set selects = [] %}
        {% for format in raw_source_formats(source) %}
            {% set rows = raw_format_reader(format)(source, directory, columns) %}
            {% if rows %}{% do selects.append(rows) %}{% endif %}
        {% endfor %}

        {% if selects %}
            {% set body = selects | join('\nunion all\n') %}
        {% else %}
            {% set columns_sql = [] %}
            {% for column in columns %}
                {% do columns_sql.append('cast(null as ' ~ raw_column_type(column.data_type) ~ ') as ' ~ column.name) %}
            {% endfor %}
            {% set body %}
                select
                    {{ columns_sql | join(',\n') }},
                    cast(null as varchar) as _source_file,
                    cast(null as bigint) as _source_row_number
                where 1 = 0
            {% endset %}
        {% endif %}
        {% do run_query('create or replace view ' ~ relation ~ ' as ' ~ body) %}
        {% do log('raw source ' ~ relation ~ ': ' ~ selects | length ~ ' format(s) with files under ' ~ directory
                  ~ ' (' ~ raw_source_formats(source) | join(', ') ~ ')', info=true) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}


{#- Parquet files of a source (<dir>/**/*.parquet) as one select of the view's columns, or none
    when there are none. A required column must be in some file (union by name). -#}
{% macro duckdb__raw_parquet_rows(source, directory, columns) %}
    {% set pattern = (directory ~ '/**/*.parquet') | replace("'", "''") %}
    {% set file_count = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] %}
    {% if file_count == 0 %}{{ return(none) }}{% endif %}
    {% set reader %}
        read_parquet('{{ pattern }}', union_by_name = true, hive_partitioning = false,
                     filename = '_source_file', file_row_number = true)
    {% endset %}
    {% set described = run_query('describe select * from ' ~ reader) %}
    {% set present = described.columns[0].values() | map('lower') | list %}
    {#- the files' type of each column (union by name: the type every file is read as) -#}
    {% set file_types = dict(zip(present, described.columns[1].values())) %}
    {% set missing_required = [] %}
    {% set columns_sql = [] %}
    {% for column in columns %}
        {% if column.file_column is not none and column.file_column | lower in present %}
            {% do columns_sql.append(raw_present_column(column, file_types[column.file_column | lower]) ~ ' as ' ~ column.name) %}
        {% elif column.required %}
            {% do missing_required.append(column.file_column) %}
        {% else %}
            {% do columns_sql.append('cast(null as ' ~ raw_column_type(column.data_type) ~ ') as ' ~ column.name) %}
        {% endif %}
    {% endfor %}
    {% if missing_required %}
        {{ exceptions.raise_compiler_error(
            "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory ~ "/, "
            ~ file_count ~ " Parquet files): required column(s) missing from every file: "
            ~ (missing_required | join(', ')) ~ ". See docs/sources.md (the raw-data contract).") }}
    {% endif %}
    {% set rows %}
        select
            {{ columns_sql | join(',\n') }},
            _source_file,
            file_row_number as _source_row_number
        from {{ reader }}
    {% endset %}
    {{ return(rows) }}
{% endmacro %}


{#- CSV files of a source (<dir>/**/*.csv: comma-separated, header row, double-quoted, UTF-8, as
    Shopify and spreadsheets write them) as one select of the view's columns, or none when there
    are none. Every value is read as text and cast to the column's type (an uncastable value is a
    null the base model quarantines, as a Parquet file's bad value is). Each file is read on its
    own: a file lacking a required column stops the run naming the file and the column, and
    _source_row_number is the row's 0-based position among the file's data rows (as Parquet's
    file_row_number), counted in file order (one thread per file). -#}
{% macro duckdb__raw_csv_rows(source, directory, columns) %}
    {% set pattern = (directory ~ '/**/*.csv') | replace("'", "''") %}
    {% set files = run_query("select file from glob('" ~ pattern ~ "') order by file").columns[0].values() %}
    {% if files | length == 0 %}{{ return(none) }}{% endif %}
    {% set selects = [] %}
    {% for file in files %}
        {% set reader %}
            read_csv('{{ file | replace("'", "''") }}', header = true, all_varchar = true, delim = ',',
                     quote = '"', escape = '"', parallel = false, filename = '_source_file')
        {% endset %}
        {% set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list %}
        {% set missing_required = [] %}
        {% set columns_sql = [] %}
        {% for column in columns %}
            {% if column.file_column is not none and column.file_column | lower in present %}
                {% set value = adapter.quote(column.file_column) %}
                {% do columns_sql.append((value if column.data_type == 'string'
                    else 'try_cast(' ~ value ~ ' as ' ~ column.data_type ~ ')') ~ ' as ' ~ column.name) %}
            {% elif column.required %}
                {% do missing_required.append(column.file_column) %}
            {% else %}
                {% do columns_sql.append('cast(null as ' ~ column.data_type ~ ') as ' ~ column.name) %}
            {% endif %}
        {% endfor %}
        {% if missing_required %}
            {{ exceptions.raise_compiler_error(
                "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "': file " ~ file
                ~ " lacks required column(s): " ~ (missing_required | join(', '))
                ~ ". See docs/sources.md.") }}
        {% endif %}
        {% set rows %}
            select
                {{ columns_sql | join(',\n') }},
                _source_file,
                _source_row_number
            from (
                select
                    *,
                    row_number() over () - 1 as _source_row_number
                from {{ reader }}
            ) as csv_rows
        {% endset %}
        {% do selects.append(rows) %}
    {% endfor %}
    {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}


{#- The column type a contract data_type means on this engine. The sources YAML declares nested
    columns (GA4's event_params, ecommerce, items) in Spark/Hive syntax - array<struct<key:string>> -
    which Spark reads as is and DuckDB spells struct(key string)[]. -#}
{% macro raw_column_type(data_type) %}
    {{ return(adapter.dispatch('raw_column_type', 'customer_levels')(data_type)) }}
{% endmacro %}


{% macro default__raw_column_type(data_type) %}
    {{ return(data_type) }}
{% endmacro %}


{% macro duckdb__raw_column_type(data_type) %}
    {% if '<' not in data_type %}{{ return(data_type) }}{% endif %}
    {#- one pass over the characters: `struct<` opens `struct(`, `array<` opens nothing and its `>`
        closes with `[]`, a field's `name:type` becomes `name type` -#}
    {% set state = namespace(out='', word='', stack=[]) %}
    {% for character in data_type %}
        {% if character == '<' %}
            {% if state.word | lower == 'array' %}
                {% do state.stack.append('array') %}
            {% else %}
                {% set state.out = state.out ~ state.word ~ '(' %}
                {% do state.stack.append('struct') %}
            {% endif %}
            {% set state.word = '' %}
        {% elif character == '>' %}
            {% set state.out = state.out ~ state.word ~ (')' if state.stack.pop() == 'struct' else '[]') %}
            {% set state.word = '' %}
        {% elif character == ':' %}
            {% set state.out = state.out ~ state.word ~ ' ' %}
            {% set state.word = '' %}
        {% elif character == ',' %}
            {% set state.out = state.out ~ state.word ~ ', ' %}
            {% set state.word = '' %}
        {% elif character != ' ' %}
            {% set state.word = state.word ~ character %}
        {% endif %}
    {% endfor %}
    {{ return(state.out ~ state.word) }}
{% endmacro %}


{#- A file column as the view reads it: a nested column (GA4's event_params, ecommerce) cast to its
    declared struct, so a field absent from a file reads as null and extra fields are dropped - unless
    the files already hold exactly that type (`file_type`, as DuckDB spells it): the cast rebuilds
    every list and struct of every row even then, on each read of the view (docs/decisions.md: GA4
    raw rows are parsed once per run). A column-mapped source's column is cast to its declared
    type (raw_source_columns). -#}
{% macro raw_present_column(column, file_type=none) %}
    {% if column.get('cast_to_declared') %}
        {{ return('cast(' ~ adapter.quote(column.file_column) ~ ' as ' ~ raw_column_type(column.data_type) ~ ')') }}
    {% endif %}
    {% if '<' in column.data_type %}
        {% set declared = raw_column_type(column.data_type) %}
        {% set declared_as_file_type = run_query('select typeof(cast(null as ' ~ declared ~ '))').columns[0].values()[0]
                                       if file_type is not none else none %}
        {% if file_type is none or file_type != declared_as_file_type %}
            {{ return('cast(' ~ adapter.quote(column.file_column) ~ ' as ' ~ declared ~ ')') }}
        {% endif %}
    {% endif %}
    {{ return(adapter.quote(column.file_column)) }}
{% endmacro %}


{#- Newline-delimited JSON files of a source (<dir>/**/*.ndjson and *.json: a BigQuery export to
    Cloud Storage writes them, INT64 values as JSON strings) as one select of the view's columns, or
    none when there are none. Values are cast to the declared types (nested ones to their structs).
    The JSON reader has no file_row_number: a row is numbered in reading order within its file
    (one file read at a time, as the CSV reader does). -#}
{% macro duckdb__raw_ndjson_rows(source, directory, columns) %}
    {% set patterns = [] %}
    {% for extension in ['ndjson', 'json'] %}
        {% do patterns.append((directory ~ '/**/*.' ~ extension) | replace("'", "''")) %}
    {% endfor %}
    {% set files = run_query("select file from glob(['" ~ (patterns | join("', '")) ~ "']) order by file").columns[0].values() %}
    {% if files | length == 0 %}{{ return(none) }}{% endif %}
    {% set selects = [] %}
    {% for file in files %}
        {% set reader %}
            read_json('{{ file | replace("'", "''") }}', format = 'newline_delimited', filename = '_source_file')
        {% endset %}
        {% set present = run_query('describe select * from ' ~ reader).columns[0].values() | map('lower') | list %}
        {% set missing_required = [] %}
        {% set columns_sql = [] %}
        {% for column in columns %}
            {% if column.file_column is not none and column.file_column | lower in present %}
                {% do columns_sql.append('try_cast(' ~ adapter.quote(column.file_column) ~ ' as '
                                         ~ raw_column_type(column.data_type) ~ ') as ' ~ column.name) %}
            {% elif column.required %}
                {% do missing_required.append(column.file_column) %}
            {% else %}
                {% do columns_sql.append('cast(null as ' ~ raw_column_type(column.data_type) ~ ') as ' ~ column.name) %}
            {% endif %}
        {% endfor %}
        {% if missing_required %}
            {{ exceptions.raise_compiler_error(
                "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "': file " ~ file
                ~ " lacks required column(s): " ~ (missing_required | join(', '))
                ~ ". See docs/sources.md.") }}
        {% endif %}
        {% set rows %}
            select
                {{ columns_sql | join(',\n') }},
                _source_file,
                _source_row_number
            from (
                select
                    *,
                    row_number() over () - 1 as _source_row_number
                from {{ reader }}
            ) as json_rows
        {% endset %}
        {% do selects.append(rows) %}
    {% endfor %}
    {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}


{#- Engines without a per-format reader build their views their own way (spark__create_raw_source_views). -#}
{% macro default__raw_ndjson_rows(source, directory, columns) %}
    {{ exceptions.raise_compiler_error("raw_ndjson_rows has no implementation for adapter '" ~ adapter.type() ~ "'") }}
{% endmacro %}


{#-
    Spark: an external Parquet table with the contract's schema over each source directory (so a
    missing or empty directory reads as no rows and absent nullable columns as nulls), then the
    view the models read, with the file and row of each record from Spark's _metadata column.
    Required columns are checked against the schema Spark infers from the files.
    CSV is read on DuckDB only: Spark's CSV reader takes one file's header for every file (columns
    are matched by position unless enforceSchema is off) and has no row index, so a source whose
    directory holds CSV files stops the run here with the way out (convert them to Parquet).
-#}
{% macro spark__create_raw_source_views() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for source in raw_source_tables() %}
        {% set directory = var('raw_data_dir') ~ '/' ~ source.meta['raw_dir'] %}
        {% set columns = raw_source_columns(source) %}
        {% set files_table = source.schema ~ '.' ~ source.identifier ~ '__files' %}
        {% do run_query('create database if not exists ' ~ source.schema) %}
        {% if 'csv' in raw_source_formats(source) %}
            {% do spark__assert_no_raw_csv(source, directory) %}
        {% endif %}
        {% if 'ndjson' in raw_source_formats(source) %}
            {% do spark__assert_no_raw_ndjson(source, directory) %}
        {% endif %}
        {% set columns_ddl = [] %}
        {% for column in columns if column.file_column is not none %}
            {% do columns_ddl.append('`' ~ column.file_column ~ '` ' ~ column.data_type) %}
        {% endfor %}
        {% do run_query('drop table if exists ' ~ files_table) %}
        {% do run_query(
            'create table ' ~ files_table ~ ' (' ~ (columns_ddl | join(', ')) ~ ') using parquet '
            ~ "options (path '" ~ directory ~ "', recursiveFileLookup 'true', pathGlobFilter '*.parquet')") %}
        {% set row_count = run_query('select count(*) from ' ~ files_table).columns[0].values()[0] %}
        {% if row_count > 0 %}
            {# a column present in any file counts: merge the files' schemas, not just the first one's #}
            {#- recursive: a tool's export nests its files in directories that are not partitions
                (GA4's events_YYYYMMDD/) -#}
            {% do run_query('create or replace temporary view ' ~ source.identifier ~ '__inferred using parquet '
                ~ "options (path '" ~ directory ~ "', recursiveFileLookup 'true', pathGlobFilter '*.parquet', "
                ~ "mergeSchema 'true')") %}
            {% set present = run_query(
                'describe ' ~ source.identifier ~ '__inferred').columns[0].values() | map('lower') | list %}
            {% set missing_required = [] %}
            {% for column in columns %}
                {% if column.required and column.file_column | lower not in present %}
                    {% do missing_required.append(column.file_column) %}
                {% endif %}
            {% endfor %}
            {% if missing_required %}
                {{ exceptions.raise_compiler_error(
                    "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory
                    ~ "/): required column(s) missing from every file: "
                    ~ (missing_required | join(', ')) ~ ". See docs/sources.md (the raw-data contract).") }}
            {% endif %}
        {% endif %}
        {% set body %}
            select
                {% for column in columns -%}
                    {% if column.file_column is none -%}
                        cast(null as {{ column.data_type }}) as {{ column.name }},
                    {% else -%}
                        `{{ column.file_column }}` as {{ column.name }},
                    {% endif -%}
                {% endfor -%}
                _metadata.file_path as _source_file,
                _metadata.row_index as _source_row_number
            from {{ files_table }}
        {% endset %}
        {% do run_query('create or replace view ' ~ source.schema ~ '.' ~ source.identifier ~ ' as ' ~ body) %}
        {% do log('raw source ' ~ source.schema ~ '.' ~ source.identifier ~ ': ' ~ row_count
                  ~ ' rows under ' ~ directory, info=true) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}


{#- Spark reads no CSV (see above): stop when a CSV source's directory holds a non-empty CSV file. -#}
{% macro spark__assert_no_raw_csv(source, directory) %}
    {% set csv_table = source.schema ~ '.' ~ source.identifier ~ '__csv_lines' %}
    {% do run_query('drop table if exists ' ~ csv_table) %}
    {% do run_query('create table ' ~ csv_table ~ ' (value string) using text '
                    ~ "options (path '" ~ directory ~ "', recursiveFileLookup 'true', pathGlobFilter '*.csv')") %}
    {% set csv_lines = run_query('select count(*) from ' ~ csv_table).columns[0].values()[0] %}
    {% do run_query('drop table if exists ' ~ csv_table) %}
    {% if csv_lines > 0 %}
        {{ exceptions.raise_compiler_error(
            "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory ~ "/) holds CSV files: "
            ~ "the Spark engine reads raw Parquet only. Convert them to Parquet in the same directory "
            ~ "(e.g. DuckDB: COPY (SELECT * FROM read_csv('file.csv', all_varchar = true)) TO 'file.parquet'), "
            ~ "or build on DuckDB. See docs/spark.md.") }}
    {% endif %}
{% endmacro %}


{#- Spark reads no newline-delimited JSON here (its JSON reader has no row index either): stop when
    an ndjson source's directory holds a non-empty .json / .ndjson file. -#}
{% macro spark__assert_no_raw_ndjson(source, directory) %}
    {% set json_table = source.schema ~ '.' ~ source.identifier ~ '__json_lines' %}
    {% do run_query('drop table if exists ' ~ json_table) %}
    {% do run_query('create table ' ~ json_table ~ ' (value string) using text '
                    ~ "options (path '" ~ directory ~ "', recursiveFileLookup 'true', pathGlobFilter '*.{json,ndjson}')") %}
    {% set json_lines = run_query('select count(*) from ' ~ json_table).columns[0].values()[0] %}
    {% do run_query('drop table if exists ' ~ json_table) %}
    {% if json_lines > 0 %}
        {{ exceptions.raise_compiler_error(
            "Raw source '" ~ source.source_name ~ "." ~ source.name ~ "' (" ~ directory ~ "/) holds JSON files: "
            ~ "the Spark engine reads raw Parquet only. Export the tables as Parquet (BigQuery: "
            ~ "EXPORT DATA ... OPTIONS (format = 'PARQUET')), or build on DuckDB. See docs/spark.md.") }}
    {% endif %}
{% endmacro %}

{#-
    Source systems (docs/sources.md#source-systems). The canonical raw tables - web.events,
    shop.orders, shop.refunds, the raw-data contract - are what every base_ model, the erasure log
    and customer match read. A store whose data comes from a tool (GA4, Segment, Klaviyo, Shopify, a
    spreadsheet) selects it with var web_source / email_source / order_source, and the tool's staging
    model (models/staging/<tool>/stg_<tool>__<table>) maps its rows into the same columns, so nothing
    after this seam knows which tool the data came from.

    Every relation returned here has the contract table's columns, _source_file, _source_row_number
    and source_quarantine_reason: the reason the tool's own mapping rejects a raw row (null = the row
    goes on to the contract's checks). A raw view of the contract has none, so it is null there.
-#}

{#- The tool selected for one canonical table: 'contract' or a tool name. -#}
{% macro source_system_for(source_name, table_name) %}
    {% set selectors = {
        'web.events': 'web_source',
        'shop.orders': 'order_source',
        'shop.refunds': 'order_source',
    } %}
    {% set key = source_name ~ '.' ~ table_name %}
    {% if key not in selectors %}
        {{ exceptions.raise_compiler_error("source_system_for: no source system selects " ~ key) }}
    {% endif %}
    {% set system = source_var(selectors[key]) %}
    {#- order_source 'web': the orders come from the purchase events of the selected web source -#}
    {% if selectors[key] == 'order_source' and system == 'web' %}
        {% set system = source_var('web_source') %}
    {% endif %}
    {{ return(system) }}
{% endmacro %}


{#- The value of a source-selecting var (web_source, email_source, order_source), or one line that
    names the var and the values it takes. Checked here, while dbt parses the staging models that
    call canonical_raw: an unknown value would otherwise fail later as a ref to a model that does
    not exist. -#}
{% macro source_var(name) %}
    {% set accepted = {
        'web_source': ['contract', 'ga4', 'segment'],
        'email_source': ['web', 'klaviyo'],
        'order_source': ['contract', 'web', 'shopify_csv', 'shopify', 'orders_file'],
    } %}
    {% set value = var(name) %}
    {% if value not in accepted[name] %}
        {#- RudderStack loads Segment's warehouse tables: one mapping reads both -#}
        {% set hint = ' (RudderStack loads the same tables as Segment: use web_source: segment)'
                      if name == 'web_source' and (value | string | lower) == 'rudderstack' else '' %}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " is '" ~ value ~ "': it takes one of "
                                           ~ (accepted[name] | join(', ')) ~ hint ~ " (docs/sources.md#source-systems)") }}
    {% endif %}
    {{ return(value) }}
{% endmacro %}


{#- The relation (a parenthesised query with an alias) a reader of one canonical table selects from. -#}
{% macro canonical_raw(source_name, table_name, alias='raw_rows') %}
    {% set system = source_system_for(source_name, table_name) %}
    {% set klaviyo_emails = source_name == 'web' and table_name == 'events' and source_var('email_source') == 'klaviyo' %}
    {% if system == 'contract' and klaviyo_emails %}
        {% set rows = contract_web_events_without_subscriptions() %}
    {% elif system == 'contract' %}
        {% set rows = 'select *, cast(null as ' ~ dbt.type_string() ~ ') as source_quarantine_reason from '
                      ~ source(source_name, table_name) %}
    {% else %}
        {% set rows = 'select * from ' ~ ref('stg_' ~ system ~ '__' ~ table_name) %}
    {% endif %}
    {% if klaviyo_emails %}
        {#- e-mail sign-ups and unsubscribes come from Klaviyo, beside the web source's events -#}
        {% set rows = rows ~ ' union all select * from ' ~ ref('stg_klaviyo__events') %}
    {% endif %}
    {{ return('(' ~ rows ~ ') as ' ~ alias) }}
{% endmacro %}


{#- The contract's web events when Klaviyo holds the subscriptions (email_source klaviyo): a web
    sign-up or unsubscribe event counts as a visit (page_view), keeping its ids and e-mail, so
    Klaviyo alone says who is subscribed (docs/decisions.md). The tools' models do the same. -#}
{% macro contract_web_events_without_subscriptions() %}
    {% set query %}
        select
            event_id,
            case
                when lower({{ clean_string('event_type') }}) in ('email_signup', 'email_unsubscribe') then 'page_view'
                else event_type
            end as event_type,
            anonymous_id,
            customer_id,
            email,
            occurred_at,
            loaded_at,
            utm_source,
            utm_medium,
            utm_campaign,
            page_path,
            referrer,
            _source_file,
            _source_row_number,
            cast(null as {{ dbt.type_string() }}) as source_quarantine_reason
        from {{ source('web', 'events') }}
    {% endset %}
    {{ return(query) }}
{% endmacro %}


{#-
    The raw tables this build reads, for audit.raw_row_accounting: one entry per (source system, raw
    table) with the raw relation, and the tool's base model when the tool itself drops some raw rows
    as duplicates (column is_tool_duplicate: GA4's intraday copy of a day the daily export holds,
    Segment's tracks row of a call its per-event table holds). Each system adds its own branch.
-#}
{% macro raw_tables_read() %}
    {% set tables = [] %}
    {% if var('web_source') == 'contract' %}
        {% do tables.append({'system': 'contract', 'name': 'events', 'relation': source('web', 'events')}) %}
    {% endif %}
    {% if var('order_source') == 'contract' %}
        {% do tables.append({'system': 'contract', 'name': 'orders', 'relation': source('shop', 'orders')}) %}
        {% do tables.append({'system': 'contract', 'name': 'refunds', 'relation': source('shop', 'refunds')}) %}
    {% endif %}
    {% if var('web_source') == 'ga4' %}
        {#- one raw table feeds events, and orders and refunds when order_source is web -#}
        {% do tables.append({'system': 'ga4', 'name': 'events', 'relation': source('ga4', 'events'),
                             'tool_base': ref('base_ga4__events')}) %}
    {% endif %}
    {% if var('web_source') == 'segment' %}
        {% for name in ['pages', 'identifies', 'tracks', 'order_completed', 'order_refunded', 'product_viewed',
                        'product_added', 'checkout_started', 'signed_up', 'unsubscribed'] %}
            {% do tables.append({'system': 'segment', 'name': name, 'relation': source('segment', name),
                                 'tool_base': ref('base_segment__events')}) %}
        {% endfor %}
    {% endif %}
    {% if var('email_source') == 'klaviyo' %}
        {% do tables.append({'system': 'klaviyo', 'name': 'events', 'relation': source('klaviyo', 'events')}) %}
    {% endif %}
    {#- order tools: 'tool_merged' is a model with one row per raw row (_source_file, is_merged_row)
        where a row folded into another kept row (an order's further line item) is flagged -#}
    {% if var('order_source') == 'orders_file' %}
        {% do tables.append({'system': 'orders_file', 'name': 'orders_file', 'relation': source('orders_file', 'orders'),
                             'tool_merged': ref('stg_orders_file__lines')}) %}
    {% endif %}
    {% if var('order_source') == 'shopify_csv' %}
        {% do tables.append({'system': 'shopify_csv', 'name': 'orders', 'relation': source('shopify_csv', 'orders'),
                             'tool_merged': ref('stg_shopify_csv__lines')}) %}
    {% endif %}
    {% if var('order_source') == 'shopify' %}
        {#- the tables of the connector that holds rows: Fivetran's (also when neither does), or
            Airbyte's streams; both while dbt parses (macro shopify_connector) -#}
        {% set connector = shopify_connector() %}
        {% if connector != 'airbyte' %}
            {% do tables.append({'system': 'shopify', 'name': 'order', 'relation': source('shopify', 'order')}) %}
            {% do tables.append({'system': 'shopify', 'name': 'refund', 'relation': source('shopify', 'refund')}) %}
            {% for part in ['order_line_refund', 'order_adjustment'] %}
                {% do tables.append({'system': 'shopify', 'name': part, 'relation': source('shopify', part),
                                     'tool_base': ref('stg_shopify__refund_parts'),
                                     'tool_merged': ref('stg_shopify__refund_parts')}) %}
            {% endfor %}
        {% endif %}
        {% if connector == 'airbyte' or not execute %}
            {% for stream in ['orders', 'order_refunds'] %}
                {% do tables.append({'system': 'shopify', 'name': stream, 'relation': source('shopify', stream)}) %}
            {% endfor %}
        {% endif %}
    {% endif %}
    {% do tables.append({'system': 'contract', 'name': 'ad_spend', 'relation': source('ads', 'ad_spend')}) %}
    {{ return(tables) }}
{% endmacro %}


{#- The event names of the selected web source that mean an e-mail sign-up (kind 'signup') or an
    unsubscribe (kind 'unsubscribe'): var web_<kind>_events, else the source's default. -#}
{% macro web_event_names(kind) %}
    {% set chosen = var('web_' ~ kind ~ '_events') %}
    {% if chosen is none %}
        {% set chosen = var('web_' ~ kind ~ '_events_by_source').get(var('web_source'), []) %}
    {% endif %}
    {% if chosen is string %}{% set chosen = [chosen] %}{% endif %}
    {{ return(chosen) }}
{% endmacro %}


{#- A Segment / RudderStack event name as the tools slug it for the event column and the per-event
    table's name (Segment's go-snakecase): words split at spaces, punctuation and lower-to-upper
    case changes, lower-cased, joined by underscores. 'Order Completed' -> 'order_completed',
    'Pop-up Email Accepted' -> 'pop_up_email_accepted', 'signedUp' -> 'signed_up'. -#}
{% macro segment_event_slug(name) %}
    {% set split = modules.re.sub('([A-Z]+)([A-Z][a-z])', '\\1_\\2', name) %}
    {% set split = modules.re.sub('([a-z0-9])([A-Z])', '\\1_\\2', split) %}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', split | lower).strip('_')) }}
{% endmacro %}

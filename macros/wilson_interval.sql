{#- Bounds of the Wilson score interval for a proportion successes / trials with normal quantile z
    (Wilson 1927): (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n). Null when trials = 0.
    ANSI SQL (sqrt), so no dispatch. bound: 'lower' or 'upper'. -#}
{% macro wilson_bound(successes, trials, z, bound) -%}
    case
        when {{ trials }} > 0
            then (
                cast({{ successes }} as double) / {{ trials }}
                + {{ z }} * {{ z }} / (2.0 * {{ trials }})
                {{ '-' if bound == 'lower' else '+' }} {{ z }} * sqrt(
                    cast({{ successes }} as double) / {{ trials }}
                    * (1 - cast({{ successes }} as double) / {{ trials }}) / {{ trials }}
                    + {{ z }} * {{ z }} / (4.0 * {{ trials }} * {{ trials }})
                )
            ) / (1 + {{ z }} * {{ z }} / {{ trials }})
    end
{%- endmacro %}

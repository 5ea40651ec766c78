{#-
    BG/NBD probability that a buyer is still buying (Fader, Hardie & Lee 2005, eq. 11), in SQL so
    audiences can evaluate it on past dates; scripts/clv.py has the same formula for the as-of
    date, and tests/assert_lapsing_regulars_match_at_risk.sql holds the two together.
    x = repeat purchase days, t_x = recency, age = T (all in the fit's time unit).
-#}
{% macro bgnbd_p_alive(x, t_x, age, r, alpha, a, b) -%}
    case
        when {{ x }} = 0 then 1.0
        else 1.0 / (
            1.0 + {{ a }} / ({{ b }} + {{ x }} - 1)
            * power(({{ alpha }} + {{ age }}) / ({{ alpha }} + {{ t_x }}), {{ r }} + {{ x }})
        )
    end
{%- endmacro %}

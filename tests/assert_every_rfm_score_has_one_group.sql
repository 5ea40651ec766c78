-- Every combination of recency, frequency and monetary scores (1-5 each) falls in exactly one
-- row of seeds/rfm_groups.csv: a gap would leave buyers without a group, an overlap would give
-- them two. Returns the combinations that break it.
with

rfm_groups as (
    select * from {{ ref('rfm_groups') }}
),

scores as (
    select number + 1 as score
    from {{ number_sequence(1) }} as numbers
    where number < 5
),

combinations as (
    select
        recency_scores.score as recency_score,
        frequency_scores.score as frequency_score,
        monetary_scores.score as monetary_score,
        (frequency_scores.score + monetary_scores.score) / 2.0 as fm_score
    from scores as recency_scores
    cross join scores as frequency_scores
    cross join scores as monetary_scores
),

matches as (
    select
        combinations.recency_score,
        combinations.frequency_score,
        combinations.monetary_score,
        count(rfm_groups.rfm_group) as matching_groups
    from combinations
    left join rfm_groups
        on
            combinations.recency_score between rfm_groups.recency_score_min and rfm_groups.recency_score_max
            and combinations.fm_score >= rfm_groups.fm_score_min
            and combinations.fm_score < rfm_groups.fm_score_below
    group by combinations.recency_score, combinations.frequency_score, combinations.monetary_score
)

select * from matches
where matching_groups <> 1

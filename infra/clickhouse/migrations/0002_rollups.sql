-- Rollups, each fed by a materialized view straight from a raw table (not cascaded
-- minute → hour → day): every view then sees exactly the rows of one raw insert and carries
-- that insert's deduplication token, so a replayed batch is recognised by each rollup on its
-- own. Cascading would tie the hour/day rollups' deduplication to the minute rollup's
-- blocks and triple the chain a crash can interrupt.
--
-- ClickHouse (25.x/26.x, checked by test) still pushes a block that the raw table dropped as a
-- duplicate into the views, so every rollup keeps its own non_replicated_deduplication_window
-- and the processor inserts with deduplicate_blocks_in_dependent_materialized_views = 1.
--
-- Rows are partial sums: merges are eventual, so every query re-aggregates with sum() and
-- GROUP BY. Buckets are UTC; day buckets serve UTC callers, other time zones read hours
-- (or minutes for :30/:45 offsets).
-- Survey sums are exactly what the metric library consumes: CSAT {n, positive, normSum,
-- normSumSq}, NPS {n, promoters, passives, detractors}, CES per orientation {n, sum, sumSq,
-- lowEffort}; columns that do not apply to a kind stay 0. scale_min/scale_max are part of the
-- key so CES means are never mixed across scales.

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1m (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  kind LowCardinality(String),
  orientation LowCardinality(String),
  scale_min Int32,
  scale_max Int32,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  survey_id String,
  n UInt64,
  positive UInt64,
  norm_sum Float64,
  norm_sum_sq Float64,
  promoters UInt64,
  passives UInt64,
  detractors UInt64,
  score_sum Int64,
  score_sum_sq Int64,
  low_effort UInt64,
  with_comment UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1m_mv TO {{db}}.survey_rollup_1m AS
SELECT
  tenant_id,
  toDateTime(toStartOfMinute(occurred_at), 'UTC') AS bucket,
  kind, orientation, scale_min, scale_max,
  channel, agent, team, product, region, segment, survey_id,
  count() AS n,
  toUInt64(sum(is_positive)) AS positive,
  sum(norm_score) AS norm_sum,
  sum(norm_score * norm_score) AS norm_sum_sq,
  toUInt64(countIf(nps_category = 'promoter')) AS promoters,
  toUInt64(countIf(nps_category = 'passive')) AS passives,
  toUInt64(countIf(nps_category = 'detractor')) AS detractors,
  toInt64(sum(score)) AS score_sum,
  toInt64(sum(toInt64(score) * score)) AS score_sum_sq,
  toUInt64(sum(low_effort)) AS low_effort,
  toUInt64(sum(has_comment)) AS with_comment
FROM {{db}}.survey_responses
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1h (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  kind LowCardinality(String),
  orientation LowCardinality(String),
  scale_min Int32,
  scale_max Int32,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  survey_id String,
  n UInt64,
  positive UInt64,
  norm_sum Float64,
  norm_sum_sq Float64,
  promoters UInt64,
  passives UInt64,
  detractors UInt64,
  score_sum Int64,
  score_sum_sq Int64,
  low_effort UInt64,
  with_comment UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1h_mv TO {{db}}.survey_rollup_1h AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  kind, orientation, scale_min, scale_max,
  channel, agent, team, product, region, segment, survey_id,
  count() AS n,
  toUInt64(sum(is_positive)) AS positive,
  sum(norm_score) AS norm_sum,
  sum(norm_score * norm_score) AS norm_sum_sq,
  toUInt64(countIf(nps_category = 'promoter')) AS promoters,
  toUInt64(countIf(nps_category = 'passive')) AS passives,
  toUInt64(countIf(nps_category = 'detractor')) AS detractors,
  toInt64(sum(score)) AS score_sum,
  toInt64(sum(toInt64(score) * score)) AS score_sum_sq,
  toUInt64(sum(low_effort)) AS low_effort,
  toUInt64(sum(has_comment)) AS with_comment
FROM {{db}}.survey_responses
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1d (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  kind LowCardinality(String),
  orientation LowCardinality(String),
  scale_min Int32,
  scale_max Int32,
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  survey_id String,
  n UInt64,
  positive UInt64,
  norm_sum Float64,
  norm_sum_sq Float64,
  promoters UInt64,
  passives UInt64,
  detractors UInt64,
  score_sum Int64,
  score_sum_sq Int64,
  low_effort UInt64,
  with_comment UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1d_mv TO {{db}}.survey_rollup_1d AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  kind, orientation, scale_min, scale_max,
  channel, agent, team, product, region, segment, survey_id,
  count() AS n,
  toUInt64(sum(is_positive)) AS positive,
  sum(norm_score) AS norm_sum,
  sum(norm_score * norm_score) AS norm_sum_sq,
  toUInt64(countIf(nps_category = 'promoter')) AS promoters,
  toUInt64(countIf(nps_category = 'passive')) AS passives,
  toUInt64(countIf(nps_category = 'detractor')) AS detractors,
  toInt64(sum(score)) AS score_sum,
  toInt64(sum(toInt64(score) * score)) AS score_sum_sq,
  toUInt64(sum(low_effort)) AS low_effort,
  toUInt64(sum(has_comment)) AS with_comment
FROM {{db}}.survey_responses
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

-- Ticket events per hour: channel preference, queue wait (AWT = wait_sum / wait_n).
CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1h (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64,
  complaints UInt64,
  wait_n UInt64,
  wait_sum Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, agent, team, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_rollup_1h_mv TO {{db}}.ticket_rollup_1h AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  type, channel, agent, team, product, region, segment,
  count() AS n,
  toUInt64(sum(complaint)) AS complaints,
  toUInt64(count(queue_wait_seconds)) AS wait_n,
  sum(ifNull(queue_wait_seconds, 0)) AS wait_sum
FROM {{db}}.ticket_events
GROUP BY tenant_id, bucket, type, channel, agent, team, product, region, segment;

-- Customer lifecycle events per hour (sign-ups, churns, reactivations, referrals, purchases).
CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1h (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.customer_rollup_1h_mv TO {{db}}.customer_rollup_1h AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  type, channel, product, region, segment,
  count() AS n
FROM {{db}}.customer_events
GROUP BY tenant_id, bucket, type, channel, product, region, segment;

-- Revenue per hour and currency (never summed across currencies).
CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1h (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  currency LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  purchases UInt64,
  revenue Decimal(38, 6)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, currency, bucket, channel, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.purchase_rollup_1h_mv TO {{db}}.purchase_rollup_1h AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  currency, channel, product, region, segment,
  count() AS purchases,
  sum(amount) AS revenue
FROM {{db}}.purchases
GROUP BY tenant_id, bucket, currency, channel, product, region, segment;

-- QA reviews per hour: IQS mean = iqs_sum / reviews.
CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1h (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  reviews UInt64,
  iqs_sum Float64,
  iqs_sum_sq Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, channel, agent, team, product)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.qa_rollup_1h_mv TO {{db}}.qa_rollup_1h AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  channel, agent, team, product,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq
FROM {{db}}.qa_reviews
GROUP BY tenant_id, bucket, channel, agent, team, product;

-- Ticket events per day: channel preference, queue wait (AWT = wait_sum / wait_n).
CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1d (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64,
  complaints UInt64,
  wait_n UInt64,
  wait_sum Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, agent, team, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_rollup_1d_mv TO {{db}}.ticket_rollup_1d AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  type, channel, agent, team, product, region, segment,
  count() AS n,
  toUInt64(sum(complaint)) AS complaints,
  toUInt64(count(queue_wait_seconds)) AS wait_n,
  sum(ifNull(queue_wait_seconds, 0)) AS wait_sum
FROM {{db}}.ticket_events
GROUP BY tenant_id, bucket, type, channel, agent, team, product, region, segment;

-- Customer lifecycle events per day (sign-ups, churns, reactivations, referrals, purchases).
CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1d (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.customer_rollup_1d_mv TO {{db}}.customer_rollup_1d AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  type, channel, product, region, segment,
  count() AS n
FROM {{db}}.customer_events
GROUP BY tenant_id, bucket, type, channel, product, region, segment;

-- Revenue per day and currency (never summed across currencies).
CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1d (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  currency LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  purchases UInt64,
  revenue Decimal(38, 6)
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, currency, bucket, channel, product, region, segment)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.purchase_rollup_1d_mv TO {{db}}.purchase_rollup_1d AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  currency, channel, product, region, segment,
  count() AS purchases,
  sum(amount) AS revenue
FROM {{db}}.purchases
GROUP BY tenant_id, bucket, currency, channel, product, region, segment;

-- QA reviews per day: IQS mean = iqs_sum / reviews.
CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1d (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  reviews UInt64,
  iqs_sum Float64,
  iqs_sum_sq Float64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, channel, agent, team, product)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.qa_rollup_1d_mv TO {{db}}.qa_rollup_1d AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  channel, agent, team, product,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq
FROM {{db}}.qa_reviews
GROUP BY tenant_id, bucket, channel, agent, team, product;

-- One row per ticket after merges (re-aggregate with min/max/sum + GROUP BY when reading):
-- the state FRT, resolution time (to the last resolve), FCR and complaint metrics need.
CREATE TABLE IF NOT EXISTS {{db}}.ticket_state (
  tenant_id LowCardinality(String),
  ticket_id String,
  created_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
  first_response_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
  first_resolved_at SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
  last_resolved_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
  last_event_at SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
  agent_replies SimpleAggregateFunction(sum, UInt64),
  customer_replies SimpleAggregateFunction(sum, UInt64),
  resolves SimpleAggregateFunction(sum, UInt64),
  reopens SimpleAggregateFunction(sum, UInt64),
  escalated SimpleAggregateFunction(max, UInt8),
  complaint SimpleAggregateFunction(max, UInt8),
  queue_wait_seconds SimpleAggregateFunction(sum, Float64),
  channel SimpleAggregateFunction(max, String),
  events SimpleAggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
ORDER BY (tenant_id, ticket_id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_state_mv TO {{db}}.ticket_state AS
SELECT
  tenant_id,
  ticket_id,
  minOrNull(if(type = 'ticket.created', occurred_at, NULL)) AS created_at,
  minOrNull(if(type = 'ticket.first_response', occurred_at, NULL)) AS first_response_at,
  minOrNull(if(type = 'ticket.resolved', occurred_at, NULL)) AS first_resolved_at,
  maxOrNull(if(type = 'ticket.resolved', occurred_at, NULL)) AS last_resolved_at,
  max(occurred_at) AS last_event_at,
  toUInt64(countIf(type = 'ticket.agent_replied')) AS agent_replies,
  toUInt64(countIf(type = 'ticket.customer_replied')) AS customer_replies,
  toUInt64(countIf(type = 'ticket.resolved')) AS resolves,
  toUInt64(countIf(type = 'ticket.reopened')) AS reopens,
  toUInt8(max(type = 'ticket.escalated')) AS escalated,
  toUInt8(max(complaint)) AS complaint,
  sum(ifNull(queue_wait_seconds, 0)) AS queue_wait_seconds,
  toString(max(if(type = 'ticket.created', toString(channel), ''))) AS channel,
  toUInt64(count()) AS events
FROM {{db}}.ticket_events
GROUP BY tenant_id, ticket_id;

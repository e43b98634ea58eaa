-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1m_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1m ON CLUSTER '{cluster}' AS {{db}}.survey_rollup_1m_local
ENGINE = Distributed('{cluster}', {{db}}, survey_rollup_1m_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1m_mv ON CLUSTER '{cluster}' TO {{db}}.survey_rollup_1m_local AS
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
FROM {{db}}.survey_responses_local
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1h_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1h ON CLUSTER '{cluster}' AS {{db}}.survey_rollup_1h_local
ENGINE = Distributed('{cluster}', {{db}}, survey_rollup_1h_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1h_mv ON CLUSTER '{cluster}' TO {{db}}.survey_rollup_1h_local AS
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
FROM {{db}}.survey_responses_local
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1d_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, kind, bucket, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.survey_rollup_1d ON CLUSTER '{cluster}' AS {{db}}.survey_rollup_1d_local
ENGINE = Distributed('{cluster}', {{db}}, survey_rollup_1d_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.survey_rollup_1d_mv ON CLUSTER '{cluster}' TO {{db}}.survey_rollup_1d_local AS
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
FROM {{db}}.survey_responses_local
GROUP BY tenant_id, bucket, kind, orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1h_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, agent, team, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1h ON CLUSTER '{cluster}' AS {{db}}.ticket_rollup_1h_local
ENGINE = Distributed('{cluster}', {{db}}, ticket_rollup_1h_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_rollup_1h_mv ON CLUSTER '{cluster}' TO {{db}}.ticket_rollup_1h_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  type, channel, agent, team, product, region, segment,
  count() AS n,
  toUInt64(sum(complaint)) AS complaints,
  toUInt64(count(queue_wait_seconds)) AS wait_n,
  sum(ifNull(queue_wait_seconds, 0)) AS wait_sum
FROM {{db}}.ticket_events_local
GROUP BY tenant_id, bucket, type, channel, agent, team, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1h_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1h ON CLUSTER '{cluster}' AS {{db}}.customer_rollup_1h_local
ENGINE = Distributed('{cluster}', {{db}}, customer_rollup_1h_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.customer_rollup_1h_mv ON CLUSTER '{cluster}' TO {{db}}.customer_rollup_1h_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  type, channel, product, region, segment,
  count() AS n
FROM {{db}}.customer_events_local
GROUP BY tenant_id, bucket, type, channel, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1h_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  currency LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  purchases UInt64,
  revenue Decimal(38, 6)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, currency, bucket, channel, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1h ON CLUSTER '{cluster}' AS {{db}}.purchase_rollup_1h_local
ENGINE = Distributed('{cluster}', {{db}}, purchase_rollup_1h_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.purchase_rollup_1h_mv ON CLUSTER '{cluster}' TO {{db}}.purchase_rollup_1h_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  currency, channel, product, region, segment,
  count() AS purchases,
  sum(amount) AS revenue
FROM {{db}}.purchases_local
GROUP BY tenant_id, bucket, currency, channel, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1h_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  reviews UInt64,
  iqs_sum Float64,
  iqs_sum_sq Float64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, channel, agent, team, product)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1h ON CLUSTER '{cluster}' AS {{db}}.qa_rollup_1h_local
ENGINE = Distributed('{cluster}', {{db}}, qa_rollup_1h_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.qa_rollup_1h_mv ON CLUSTER '{cluster}' TO {{db}}.qa_rollup_1h_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS bucket,
  channel, agent, team, product,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq
FROM {{db}}.qa_reviews_local
GROUP BY tenant_id, bucket, channel, agent, team, product;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1d_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, agent, team, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_rollup_1d ON CLUSTER '{cluster}' AS {{db}}.ticket_rollup_1d_local
ENGINE = Distributed('{cluster}', {{db}}, ticket_rollup_1d_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_rollup_1d_mv ON CLUSTER '{cluster}' TO {{db}}.ticket_rollup_1d_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  type, channel, agent, team, product, region, segment,
  count() AS n,
  toUInt64(sum(complaint)) AS complaints,
  toUInt64(count(queue_wait_seconds)) AS wait_n,
  sum(ifNull(queue_wait_seconds, 0)) AS wait_sum
FROM {{db}}.ticket_events_local
GROUP BY tenant_id, bucket, type, channel, agent, team, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1d_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  type LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  n UInt64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, type, bucket, channel, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.customer_rollup_1d ON CLUSTER '{cluster}' AS {{db}}.customer_rollup_1d_local
ENGINE = Distributed('{cluster}', {{db}}, customer_rollup_1d_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.customer_rollup_1d_mv ON CLUSTER '{cluster}' TO {{db}}.customer_rollup_1d_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  type, channel, product, region, segment,
  count() AS n
FROM {{db}}.customer_events_local
GROUP BY tenant_id, bucket, type, channel, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1d_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  currency LowCardinality(String),
  channel LowCardinality(String),
  product LowCardinality(String),
  region LowCardinality(String),
  segment LowCardinality(String),
  purchases UInt64,
  revenue Decimal(38, 6)
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, currency, bucket, channel, product, region, segment)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.purchase_rollup_1d ON CLUSTER '{cluster}' AS {{db}}.purchase_rollup_1d_local
ENGINE = Distributed('{cluster}', {{db}}, purchase_rollup_1d_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.purchase_rollup_1d_mv ON CLUSTER '{cluster}' TO {{db}}.purchase_rollup_1d_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  currency, channel, product, region, segment,
  count() AS purchases,
  sum(amount) AS revenue
FROM {{db}}.purchases_local
GROUP BY tenant_id, bucket, currency, channel, product, region, segment;

CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1d_local ON CLUSTER '{cluster}' (
  tenant_id LowCardinality(String),
  bucket DateTime('UTC'),
  channel LowCardinality(String),
  agent LowCardinality(String),
  team LowCardinality(String),
  product LowCardinality(String),
  reviews UInt64,
  iqs_sum Float64,
  iqs_sum_sq Float64
) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant_id, bucket, channel, agent, team, product)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.qa_rollup_1d ON CLUSTER '{cluster}' AS {{db}}.qa_rollup_1d_local
ENGINE = Distributed('{cluster}', {{db}}, qa_rollup_1d_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.qa_rollup_1d_mv ON CLUSTER '{cluster}' TO {{db}}.qa_rollup_1d_local AS
SELECT
  tenant_id,
  toDateTime(toStartOfDay(occurred_at), 'UTC') AS bucket,
  channel, agent, team, product,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq
FROM {{db}}.qa_reviews_local
GROUP BY tenant_id, bucket, channel, agent, team, product;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_state_local ON CLUSTER '{cluster}' (
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
) ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant_id, ticket_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {{db}}.ticket_state ON CLUSTER '{cluster}' AS {{db}}.ticket_state_local
ENGINE = Distributed('{cluster}', {{db}}, ticket_state_local, cityHash64(tenant_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS {{db}}.ticket_state_mv ON CLUSTER '{cluster}' TO {{db}}.ticket_state_local AS
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
FROM {{db}}.ticket_events_local
GROUP BY tenant_id, ticket_id;

-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE VIEW IF NOT EXISTS {{db}}.bi_csat_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  sum(is_positive) AS positive,
  sum(norm_score) AS norm_score_sum,
  if(responses = 0, NULL, positive / responses * 100) AS csat_pct,
  if(responses = 0, NULL, norm_score_sum / responses) AS csat_mean
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'csat'
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_csat_hourly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS hour,
  channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  sum(is_positive) AS positive,
  sum(norm_score) AS norm_score_sum,
  if(responses = 0, NULL, positive / responses * 100) AS csat_pct,
  if(responses = 0, NULL, norm_score_sum / responses) AS csat_mean
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'csat'
GROUP BY tenant_id, toStartOfHour(occurred_at), channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_nps_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  countIf(nps_category = 'promoter') AS promoters,
  countIf(nps_category = 'passive') AS passives,
  countIf(nps_category = 'detractor') AS detractors,
  if(responses = 0, NULL, (promoters - detractors) / responses * 100) AS nps
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'nps'
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_nps_hourly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS hour,
  channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  countIf(nps_category = 'promoter') AS promoters,
  countIf(nps_category = 'passive') AS passives,
  countIf(nps_category = 'detractor') AS detractors,
  if(responses = 0, NULL, (promoters - detractors) / responses * 100) AS nps
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'nps'
GROUP BY tenant_id, toStartOfHour(occurred_at), channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_ces_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  sum(score) AS score_sum,
  sum(low_effort) AS low_effort,
  if(responses = 0, NULL, score_sum / responses) AS ces_mean,
  if(responses = 0, NULL, low_effort / responses * 100) AS ces_pct
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'ces'
GROUP BY tenant_id, toStartOfDay(occurred_at), orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_ces_hourly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDateTime(toStartOfHour(occurred_at), 'UTC') AS hour,
  orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id,
  count() AS responses,
  sum(score) AS score_sum,
  sum(low_effort) AS low_effort,
  if(responses = 0, NULL, score_sum / responses) AS ces_mean,
  if(responses = 0, NULL, low_effort / responses * 100) AS ces_pct
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND kind = 'ces'
GROUP BY tenant_id, toStartOfHour(occurred_at), orientation, scale_min, scale_max, channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_ticket_kpis_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  day,
  channel,
  sum(created) AS tickets_created,
  sum(created_complaints) AS complaints_created,
  countIf(kind = 'frt') AS first_responses,
  sumIf(seconds, kind = 'frt') AS frt_sum_seconds,
  if(first_responses = 0, NULL, frt_sum_seconds / first_responses) AS frt_mean_seconds,
  quantileExactInclusiveIf(0.5)(seconds, kind = 'frt') AS frt_median_seconds,
  quantileExactInclusiveIf(0.9)(seconds, kind = 'frt') AS frt_p90_seconds,
  countIf(kind = 'resolution') AS tickets_resolved,
  sumIf(seconds, kind = 'resolution') AS resolution_sum_seconds,
  if(tickets_resolved = 0, NULL, resolution_sum_seconds / tickets_resolved) AS resolution_mean_seconds,
  quantileExactInclusiveIf(0.5)(seconds, kind = 'resolution') AS resolution_median_seconds,
  quantileExactInclusiveIf(0.9)(seconds, kind = 'resolution') AS resolution_p90_seconds,
  sum(first_contact) AS first_contact_resolved,
  if(tickets_resolved = 0, NULL, first_contact_resolved / tickets_resolved * 100) AS fcr_pct,
  sum(wait_n) AS customers_served,
  sum(wait_sum) AS queue_wait_sum_seconds,
  if(customers_served = 0, NULL, queue_wait_sum_seconds / customers_served) AS awt_seconds
FROM (
  SELECT tenant_id, toDate(toStartOfDay(occurred_at)) AS day, toString(channel) AS channel, '' AS kind,
    toFloat64(0) AS seconds, if(type = 'ticket.created', count(), 0) AS created,
    if(type = 'ticket.created', sum(complaint), 0) AS created_complaints, toUInt64(0) AS first_contact,
    count(queue_wait_seconds) AS wait_n, ifNull(sum(queue_wait_seconds), 0) AS wait_sum
  FROM {{db}}.ticket_events_v2
  GROUP BY tenant_id, type, toStartOfDay(occurred_at), channel
  UNION ALL
  SELECT tenant_id, toDate(first_response_time) AS day, channel, 'frt' AS kind,
    dateDiff('millisecond', created_time, first_response_time) / 1000 AS seconds, toUInt64(0) AS created,
    toUInt64(0) AS created_complaints, toUInt64(0) AS first_contact, toUInt64(0) AS wait_n,
    toFloat64(0) AS wait_sum
  FROM (
    SELECT tenant_id, ticket_id,
      minIfOrNull(occurred_at, type = 'ticket.created') AS created_time,
      minIfOrNull(occurred_at, type = 'ticket.first_response') AS first_response_time,
      toString(argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != '')) AS channel
    FROM {{db}}.ticket_events_v2 GROUP BY tenant_id, ticket_id
  )
  WHERE created_time IS NOT NULL AND first_response_time IS NOT NULL AND first_response_time >= created_time
  UNION ALL
  SELECT tenant_id, toDate(last_resolved_time) AS day, channel, 'resolution' AS kind,
    dateDiff('millisecond', created_time, last_resolved_time) / 1000 AS seconds, toUInt64(0) AS created,
    toUInt64(0) AS created_complaints,
    toUInt64(agent_messages = 1 AND reopens = 0) AS first_contact, toUInt64(0) AS wait_n,
    toFloat64(0) AS wait_sum
  FROM (
    SELECT tenant_id, ticket_id,
      minIfOrNull(occurred_at, type = 'ticket.created') AS created_time,
      maxIfOrNull(occurred_at, type = 'ticket.resolved') AS last_resolved_time,
      maxIfOrNull(occurred_at, type = 'ticket.reopened') AS last_reopened_time,
      countIf(type = 'ticket.reopened') AS reopens,
      uniqExactIf((occurred_at, `dimensions.agent`), type IN ('ticket.first_response', 'ticket.agent_replied')) AS agent_messages,
      toString(argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != '')) AS channel
    FROM {{db}}.ticket_events_v2 GROUP BY tenant_id, ticket_id
  )
  WHERE created_time IS NOT NULL AND last_resolved_time IS NOT NULL
    AND (last_reopened_time IS NULL OR last_reopened_time < last_resolved_time)
    AND last_resolved_time >= created_time
)
GROUP BY tenant_id, day, channel;

CREATE VIEW IF NOT EXISTS {{db}}.bi_churn_monthly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  month,
  countIf(active_start) AS active_at_start,
  countIf(active_end) AS active_at_end,
  countIf(active_start AND churned_in) AS churned,
  countIf(NOT active_start AND activated_in AND churned_in AND last_churn_in > first_activation_in) AS churned_new,
  countIf(NOT active_start AND activated_in) AS became_active,
  if(active_at_start = 0, NULL, churned / active_at_start * 100) AS churn_pct,
  if(active_at_start = 0, NULL, (toInt64(active_at_end) - toInt64(became_active)) / active_at_start * 100) AS crr_pct
FROM (
  SELECT
    tenant_id,
    month,
    customer_id,
    argMaxIf(type, (occurred_at, event_id), type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated') AND occurred_at < month_start) IN ('customer.signed_up', 'customer.reactivated') AS active_start,
    argMaxIf(type, (occurred_at, event_id), type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated')) IN ('customer.signed_up', 'customer.reactivated') AS active_end,
    countIf(type = 'customer.churned' AND occurred_at >= month_start) > 0 AS churned_in,
    countIf(type IN ('customer.signed_up', 'customer.reactivated') AND occurred_at >= month_start) > 0 AS activated_in,
    maxIf(occurred_at, type = 'customer.churned' AND occurred_at >= month_start) AS last_churn_in,
    minIf(occurred_at, type IN ('customer.signed_up', 'customer.reactivated') AND occurred_at >= month_start) AS first_activation_in
  FROM (
    SELECT tenant_id, customer_id, type, occurred_at, event_id, month,
      toDateTime64(month, 3, 'UTC') AS month_start
    FROM {{db}}.customer_events_v2
    ARRAY JOIN arrayMap(
      i -> addMonths(toStartOfMonth(occurred_at), i),
      range(toUInt64(dateDiff('month', toStartOfMonth(occurred_at),
        (SELECT toStartOfMonth(max(occurred_at)) FROM {{db}}.customer_events_v2)) + 1))
    ) AS month
  )
  GROUP BY tenant_id, month, customer_id
)
GROUP BY tenant_id, month;

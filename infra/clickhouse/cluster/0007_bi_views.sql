-- GENERATED from infra/clickhouse/migrations by packages/clickhouse/src/cluster.ts.
-- Do not edit; change the single-node migration and regenerate:
--   node_modules/.bin/tsx packages/clickhouse/src/cluster.ts

CREATE VIEW IF NOT EXISTS {{db}}.bi_referral_monthly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  month,
  countIf(active_start OR activated_in) AS active_customers,
  countIf(referred_in AND (active_start OR activated_in)) AS referrers,
  if(active_customers = 0, NULL, referrers / active_customers * 100) AS referral_pct
FROM (
  SELECT
    tenant_id,
    month,
    customer_id,
    argMaxIf(type, (occurred_at, event_id), type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated') AND occurred_at < month_start) IN ('customer.signed_up', 'customer.reactivated') AS active_start,
    countIf(type IN ('customer.signed_up', 'customer.reactivated') AND occurred_at >= month_start) > 0 AS activated_in,
    countIf(type = 'customer.referred' AND occurred_at >= month_start) > 0 AS referred_in
  FROM (
    SELECT tenant_id, customer_id, type, occurred_at, event_id, month,
      toDateTime64(month, 3, 'UTC') AS month_start
    FROM {{db}}.customer_events_v2
    ARRAY JOIN arrayMap(
      i -> addMonths(toStartOfMonth(occurred_at), i),
      range(toUInt64(dateDiff('month', toStartOfMonth(occurred_at),
        (SELECT toStartOfMonth(max(occurred_at)) FROM {{db}}.customer_events_v2)) + 1))
    ) AS month
    WHERE type IN ('customer.signed_up', 'customer.churned', 'customer.reactivated', 'customer.referred')
  )
  GROUP BY tenant_id, month, customer_id
)
GROUP BY tenant_id, month;

CREATE VIEW IF NOT EXISTS {{db}}.bi_clv_inputs_monthly_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfMonth(occurred_at)) AS month,
  toString(currency) AS currency,
  sum(revenue) AS revenue,
  count() AS purchases,
  uniqExact(customer_id) AS purchasing_customers,
  if(purchases = 0, NULL, toFloat64(revenue) / purchases) AS average_purchase_value,
  if(purchasing_customers = 0, NULL, purchases / purchasing_customers) AS purchases_per_customer
FROM {{db}}.customer_events_v2
WHERE type = 'customer.purchase'
GROUP BY tenant_id, toStartOfMonth(occurred_at), currency;

CREATE VIEW IF NOT EXISTS {{db}}.bi_iqs_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment,
  count() AS reviews,
  sum(iqs) AS iqs_sum,
  sum(iqs * iqs) AS iqs_sum_sq,
  if(reviews = 0, NULL, iqs_sum / reviews) AS iqs_mean
FROM {{db}}.qa_reviews_v2
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment;

CREATE VIEW IF NOT EXISTS {{db}}.bi_feedback_reply_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(toStartOfDay(occurred_at)) AS day,
  channel, agent, team, product, region, segment, survey_id,
  count() AS feedback_items,
  countIf((tenant_id, event_id) GLOBAL IN (
    SELECT tenant_id, assumeNotNull(feedback_event_id) FROM {{db}}.ticket_events_v2
    WHERE type = 'ticket.agent_replied' AND feedback_event_id IS NOT NULL
  )) AS replied,
  if(feedback_items = 0, NULL, replied / feedback_items * 100) AS reply_rate_pct
FROM {{db}}.survey_events_v2
WHERE type = 'survey.response' AND has_comment = 1
GROUP BY tenant_id, toStartOfDay(occurred_at), channel, agent, team, product, region, segment, survey_id;

CREATE VIEW IF NOT EXISTS {{db}}.bi_complaint_resolution_daily_v1 ON CLUSTER '{cluster}' AS
SELECT
  tenant_id,
  toDate(last_resolved_time) AS day,
  channel,
  count() AS complaints_resolved,
  sum(seconds) AS resolution_sum_seconds,
  resolution_sum_seconds / complaints_resolved AS resolution_mean_seconds,
  quantileExactInclusive(0.5)(seconds) AS resolution_median_seconds,
  quantileExactInclusive(0.9)(seconds) AS resolution_p90_seconds
FROM (
  SELECT tenant_id, last_resolved_time, channel,
    dateDiff('millisecond', created_time, last_resolved_time) / 1000 AS seconds
  FROM (
    SELECT tenant_id, ticket_id,
      minIfOrNull(occurred_at, type = 'ticket.created') AS created_time,
      maxIfOrNull(occurred_at, type = 'ticket.resolved') AS last_resolved_time,
      maxIfOrNull(occurred_at, type = 'ticket.reopened') AS last_reopened_time,
      countIf(type = 'ticket.escalated') AS escalations,
      max(complaint) AS is_complaint,
      toString(argMinIf(`dimensions.channel`, (type != 'ticket.created', occurred_at), `dimensions.channel` != '')) AS channel
    FROM {{db}}.ticket_events_v2 GROUP BY tenant_id, ticket_id
  )
  WHERE created_time IS NOT NULL AND last_resolved_time IS NOT NULL
    AND (last_reopened_time IS NULL OR last_reopened_time < last_resolved_time)
    AND last_resolved_time >= created_time
    AND (is_complaint = 1 OR escalations > 0)
)
GROUP BY tenant_id, day, channel;

export { MetricInputError } from './result.ts'
export type { Interval, MetricResult } from './result.ts'

export {
  Z95,
  lnGamma,
  meanCi95,
  normalCdf,
  normalQuantile,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTail,
  summarizeSums,
  tQuantile,
  wilsonInterval,
} from './stats.ts'
export type { SampleSummary } from './stats.ts'

export {
  CES_DEFAULT_SCALE,
  aggregateCes,
  aggregateCsat,
  aggregateNps,
  computeCes,
  computeCesPct,
  computeCsat,
  computeCsatMean,
  computeNps,
  computeSurveyResponseRate,
  csatPositiveMin,
  isCesLowEffort,
  isCsatPositive,
  mergeCesAggregates,
  normalizeScore,
  npsCategory,
  npsStandardError,
} from './survey.ts'
export type {
  CesAggregate,
  CesComponents,
  CesOrientation,
  CesPctComponents,
  CsatAggregate,
  CsatComponents,
  CsatMeanComponents,
  CsatResponse,
  NpsAggregate,
  NpsCategory,
  NpsComponents,
  SurveyResponseRateInput,
} from './survey.ts'

export {
  computeChurnRate,
  computeClv,
  computeCrr,
  computeHistoricalClv,
  computeReferralRate,
} from './lifecycle.ts'
export type {
  ChurnComponents,
  ChurnInput,
  ClvComponents,
  ClvInput,
  CrrComponents,
  CrrInput,
  HistoricalClvComponents,
  HistoricalClvInput,
  ReferralInput,
} from './lifecycle.ts'

export {
  computeAwt,
  computeChannelMix,
  computeComplaintResolutionTime,
  computeEscalationRate,
  computeFcr,
  computeFeedbackReplyRate,
  computeFirstResponseTime,
  computeIqs,
  computeIqsFromSums,
  computeReopenRate,
  computeReplyTime,
  computeResolutionTime,
  computeSlaAttainment,
  computeTicketCount,
  SLA_DEFAULT_TARGET_MINUTES,
  pairReplies,
  percentileSorted,
  reviewScore,
  summarizeDurations,
  summarizeDurationAggregate,
} from './tickets.ts'
export type {
  AwtInput,
  ChannelMixComponents,
  ChannelMixInput,
  DurationComponents,
  FcrInput,
  FeedbackReplyInput,
  QaCriterion,
  QaReview,
  ReplyPair,
  ResolvedFlagInput,
  SlaInput,
  TicketMessage,
} from './tickets.ts'

export {
  EMPTY_SURVEY_SUMS,
  MixedScalesError,
  addSurveySums,
  computeSurveyMetric,
  oneCesScale,
  scaleName,
} from './survey.sums.ts'
export type { ScaledSurveySums, SurveyMetric, SurveySums } from './survey.sums.ts'

export { npsDifferenceTest, twoProportionZTest, welchTTest } from './significance.ts'
export type { ProportionSample, SignificanceResult } from './significance.ts'

export { METRICS, METRIC_IDS, interpretMetric, isMetricId } from './registry.ts'
export type {
  MetricAlertTest,
  MetricCi,
  MetricDefinition,
  MetricId,
  MetricUnit,
  ReadingBand,
} from './registry.ts'

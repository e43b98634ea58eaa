export { EVENT_TYPES, cxEventSchema, enrichedEventSchema } from './event.schema.ts'
export type {
  EventType,
  CxEvent,
  CxEventInput,
  EnrichedEvent,
  EventOfType,
  SurveyResponseEvent,
  SurveySentEvent,
  CsatResponseEvent,
  NpsResponseEvent,
  CesResponseEvent,
  TicketEvent,
  TicketAgentRepliedEvent,
  CustomerLifecycleEvent,
  CustomerPurchaseEvent,
  CustomerReferredEvent,
  QaReviewEvent,
} from './event.schema.ts'
export { SCHEMA_VERSION } from './envelope.schema.ts'
export {
  SURVEY_SCALES,
  DEFAULT_SCALES,
  CES_ORIENTATIONS,
  MAX_COMMENT_LENGTH,
} from './survey.schema.ts'
export { TICKET_EVENT_TYPES, MAX_QUEUE_WAIT_SECONDS } from './ticket.schema.ts'
export type { TicketEventType } from './ticket.schema.ts'
export { MAX_QA_CRITERIA } from './qa.schema.ts'
export { DIMENSION_KEYS, dimensionsSchema, MIN_TIMESTAMP_MS } from './primitives.ts'
export type { DimensionKey, Dimensions } from './primitives.ts'
export { parseEvent, parseEnrichedEvent, enrichEvent, DEFAULT_MAX_FUTURE_MS } from './parse.ts'
export { checkEventTime, DEFAULT_EVENT_TIME_POLICY } from './event-time.ts'
export type { EventTimePolicy, EventTimeReason } from './event-time.ts'
export {
  encodeRecord,
  groupRecords,
  MAX_RECORD_BYTES,
  recordLines,
  RECORD_FORMAT,
  RECORD_FORMAT_HEADER,
} from './records.ts'
export type { DomainRecord, RecordEvent } from './records.ts'
export type { ParseEventOptions, ParseResult, ParseFailureReason } from './parse.ts'
export { toFieldErrors, formatPath } from './errors.ts'
export type { FieldError } from './errors.ts'
export {
  topicNames,
  topicForEvent,
  domainForEvent,
  messageKey,
  TOPIC_SPECS,
  TOPIC_PARTITIONS,
  TOPIC_VERSION,
  DEFAULT_TOPIC_PREFIX,
} from './topics.ts'
export type { TopicNames, Domain, ContractTopicSpec } from './topics.ts'
export {
  deadLetterSchema,
  buildDeadLetter,
  encodeRaw,
  DEAD_LETTER_REASONS,
} from './dead-letter.schema.ts'
export type { DeadLetter, KnownDeadLetterReason } from './dead-letter.schema.ts'
export {
  eventJsonSchema,
  enrichedEventJsonSchema,
  deadLetterJsonSchema,
  schemaFiles,
} from './json-schema.ts'
export {
  fieldErrorSchema,
  rejectedEventSchema,
  ingestResponseSchema,
  ingestErrorSchema,
} from './ingest-api.schema.ts'
export type { IngestResponse, RejectedEvent, IngestError } from './ingest-api.schema.ts'
export { deterministicUuid } from './ids.ts'

// What tests of services and of the whole pipeline share: the suite's broker and ClickHouse,
// waits, names and ledgers. It sits above the infrastructure packages it builds clients from;
// their own tests use @cxpulse/test-env (and @cxpulse/clickhouse/testing) instead, so no
// workspace cycle forms.
export { testEnvironment, uniqueName, waitFor, type TestEnvironment } from '@cxpulse/test-env'
export { testClickHouse } from '@cxpulse/clickhouse/testing'
export {
  readWholeTopicEvents,
  readWholeTopics,
  testKafka,
  testLogger,
  waitForGroupCaughtUp,
  type TopicEvent,
  type TopicMessage,
} from './kafka.ts'
export {
  compareLedger,
  readReliabilityRows,
  recordReliability,
  RELIABILITY_RESULTS_DIR,
  type ReliabilityRow,
} from './reliability.ts'
export { startWebhookReceiver, type ReceivedWebhook } from './webhooks.ts'

export { buildEvent, events } from './builders.ts'
export type { EventFields, BuiltEvent } from './builders.ts'
export { createCxClient, CxSendError, parseRetryAfter } from './client.ts'
export type { CxClient, CxClientOptions, Rejection, SendResult } from './client.ts'

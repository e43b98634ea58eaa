export { HttpError, sendJson, sendText, startHttpServer } from './server.ts'
export { readJsonBody } from './body.ts'
export type { HttpServer, RouteOutcome, HttpServerOptions } from './server.ts'

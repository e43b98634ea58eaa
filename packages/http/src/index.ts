export { HttpError, sendJson, sendText, startHttpServer } from './server.ts'
export type { HttpServer, RouteOutcome, HttpServerOptions } from './server.ts'

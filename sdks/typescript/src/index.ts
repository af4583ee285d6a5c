// @rapport/sdk: the TypeScript client for Rapport's SDK API (Node 20+, browsers, Deno, Bun).
export { Rapport } from './client.js'
export type { RapportOptions, SessionParams, InitSessionParams, MessageParams, HistoryParams } from './client.js'
export { MessageStream } from './stream.js'
export type { Hooks, RequestInfo, RequestOptions } from './http.js'
export {
  RapportError, BadRequestError, AuthenticationError, ForbiddenError, NotFoundError, RateLimitError, ServerError,
  ConnectionError, TimeoutError
} from './errors.js'
export type * from './types.js'

// Typed errors: one class per HTTP status family (SPEC §9), all extending RapportError with statusCode and message.

/** Base of every error the SDK throws for an HTTP answer (and for network failures, statusCode 0). */
export class RapportError extends Error {
  override name = 'RapportError'
  /** HTTP status code (0 when no answer arrived). */
  readonly statusCode: number

  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

/** 400: the request was invalid (schema, UUID format, player_gender, ended conversation, missing LLM key). */
export class BadRequestError extends RapportError { override name = 'BadRequestError' }
/** 401: missing or invalid API key, or the LLM provider rejected the LLM key. */
export class AuthenticationError extends RapportError { override name = 'AuthenticationError' }
/** 403: another owner's persona, an unpublished persona, or a locked machine. */
export class ForbiddenError extends RapportError { override name = 'ForbiddenError' }
/** 404: persona, machine or session does not exist. */
export class NotFoundError extends RapportError { override name = 'NotFoundError' }

/** 429: rate limited, after the SDK's retries were used up. */
export class RateLimitError extends RapportError {
  override name = 'RateLimitError'
  /** Seconds the server asked to wait (Retry-After), or null when it sent none. */
  readonly retryAfter: number | null

  constructor (statusCode: number, message: string, retryAfter: number | null) {
    super(statusCode, message)
    this.retryAfter = retryAfter
  }
}

/** 5xx (and a stream that failed after it began): server error or LLM provider outage, after the SDK's retries. */
export class ServerError extends RapportError {
  override name = 'ServerError'
  /** Seconds the server asked to wait (503 Retry-After), or null. */
  readonly retryAfter: number | null

  constructor (statusCode: number, message: string, retryAfter: number | null = null) {
    super(statusCode, message)
    this.retryAfter = retryAfter
  }
}

/** No HTTP answer: the network failed or the request timed out (statusCode 0). */
export class ConnectionError extends RapportError {
  override name = 'ConnectionError'
  constructor (message: string) { super(0, message) }
}

/** The request took longer than the client's timeout (statusCode 0). */
export class TimeoutError extends ConnectionError { override name = 'TimeoutError' }

/** The typed error for an HTTP status. */
export function errorFor (status: number, message: string, retryAfter: number | null): RapportError {
  if (status === 400) return new BadRequestError(status, message)
  if (status === 401) return new AuthenticationError(status, message)
  if (status === 403) return new ForbiddenError(status, message)
  if (status === 404) return new NotFoundError(status, message)
  if (status === 429) return new RateLimitError(status, message, retryAfter)
  if (status >= 500) return new ServerError(status, message, retryAfter)
  return new RapportError(status, message)
}

// The error catalogue and the one function that writes the {"error":{"message"}} body.
import createError from '@fastify/error'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

export const Errors = {
  BadRequest: createError('RAPPORT_BAD_REQUEST', '%s', 400),
  MalformedJson: createError('RAPPORT_MALFORMED_JSON', 'Malformed JSON body: %s', 400),
  Unauthorized: createError('RAPPORT_UNAUTHORIZED', '%s', 401),
  InvalidCredentials: createError('RAPPORT_INVALID_CREDENTIALS', 'Invalid email or password', 401),
  Forbidden: createError('RAPPORT_FORBIDDEN', '%s', 403),
  NotFound: createError('RAPPORT_NOT_FOUND', '%s', 404),
  MethodNotAllowed: createError('RAPPORT_METHOD_NOT_ALLOWED', '%s', 405),
  EmailTaken: createError('RAPPORT_EMAIL_TAKEN', 'An account with this email already exists', 400),
  RateLimited: createError('RAPPORT_RATE_LIMITED', 'Rate limit exceeded: %s requests per %s allowed. Retry after %s seconds', 429)
} as const

export interface ErrorBody { error: { message: string } }

/** The body every error response carries. */
export function errorBody (message: string): ErrorBody {
  return { error: { message } }
}

const MASKED = 'Internal server error'

// Fastify and plugin error codes that map to a client error with a clearer message than the default.
const frameworkMessages: Record<string, (err: FastifyError, contentType: string, bodyLimit?: number) => { status: number, message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_err, contentType) => ({ status: 415, message: `Unsupported content type: ${contentType}. Send application/json` }),
  FST_ERR_CTP_BODY_TOO_LARGE: (_err, _type, bodyLimit) => ({ status: 413, message: `Request body is too large${bodyLimit ? `: the limit is ${bodyLimit} bytes` : ''}` }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({ status: 400, message: 'Request body size did not match Content-Length' }),
  FST_ERR_BAD_URL: () => ({ status: 400, message: 'Malformed URL: invalid percent-encoding' }),
  FST_ERR_ASYNC_CONSTRAINT: () => ({ status: 400, message: 'Malformed request' }),
  FST_ERR_INVALID_URL: () => ({ status: 400, message: 'Malformed URL' }),
  FAST_JWT_EXPIRED: () => ({ status: 401, message: 'The token has expired: sign in again' })
}

/** Maps any thrown error to a status and a client-safe message; 5xx messages are masked. */
export function describeError (err: FastifyError, contentType = 'unknown', bodyLimit?: number): { status: number, message: string } {
  const mapped = err.code ? frameworkMessages[err.code] : undefined
  if (mapped) return mapped(err, contentType, bodyLimit)
  // Any other refusal of the JWT library (bad signature, malformed, alg none, not yet valid …)
  if (err.code?.startsWith('FAST_JWT_')) return { status: 401, message: 'Invalid token' }
  if (err.validation) {
    return { status: 400, message: validationMessage(err) }
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  if (status >= 500 && !err.code?.startsWith('RAPPORT_LLM')) return { status, message: MASKED }
  if (status >= 500) return { status, message: err.message }
  return { status, message: err.message || 'Bad request' }
}

function validationMessage (err: FastifyError): string {
  const first = err.validation?.[0]
  if (!first) return err.message
  const part = err.validationContext ?? 'body'
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty
  const where = `${part}${first.instancePath.replace(/\//g, '.')}`
  if (missing) return `${where}.${missing} is required`
  const allowed = (first.params as { allowedValues?: unknown[] } | undefined)?.allowedValues
  if (allowed) return `${where} must be one of: ${allowed.join(', ')}`
  if (first.keyword === 'format' && (first.params as { format?: string }).format === 'uuid') return `${where} must be a valid UUID`
  return `${where} ${first.message ?? 'is invalid'}`
}

/** Writes an error reply in the envelope; logs 5xx with the request id. */
export function sendError (request: FastifyRequest, reply: FastifyReply, err: FastifyError) {
  const contentType = String(request.headers['content-type'] ?? 'none').split(';')[0].slice(0, 100)
  const { status, message } = describeError(err, contentType, request.routeOptions?.bodyLimit)
  if (status >= 500) {
    request.log.error({ err, reqId: request.id }, 'request failed')
  } else {
    request.log.info({ code: err.code, status }, message)
  }
  const retryAfter = (err as { retryAfter?: number }).retryAfter
  if (retryAfter !== undefined && (status === 429 || status === 503)) reply.header('retry-after', String(retryAfter))
  reply.code(status).type('application/json; charset=utf-8').send(errorBody(message))
}

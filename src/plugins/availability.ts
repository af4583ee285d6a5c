// Availability (SPEC §11): which routes stay up when the server sheds load or is under maintenance.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { errorBody } from '../errors.ts'

const ALWAYS_UP = new Set(['/', '/healthz', '/readyz', '/openapi.json'])

/** Health, readiness, docs and admin routes answer even under pressure or maintenance. */
export function alwaysAvailable (req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? ''
  return ALWAYS_UP.has(url) || url === '/docs' || url.startsWith('/docs/') || url.startsWith('/api/v1/admin/') ||
    (req.routeOptions.config as { auth?: string } | undefined)?.auth === 'admin'
}

/** Answers 503 in the error envelope with Retry-After. */
export function unavailable (reply: FastifyReply, retryAfterS: number, message: string) {
  return reply.code(503).header('retry-after', String(retryAfterS)).type('application/json; charset=utf-8').send(errorBody(message))
}

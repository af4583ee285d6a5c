// Shared schema pieces: the error envelope, ids, the typed ref() helper and the registry of named schemas.
import { Type, type TSchema, type TUnsafe, type TUnion, type TNull, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'

/** A reference to a named schema (registered with addSchema), so OpenAPI components carry its $id. */
export function ref<T extends TSchema> (schema: T): TUnsafe<Static<T>> {
  if (typeof schema.$id !== 'string') throw new Error('ref() needs a schema with an $id')
  return Type.Ref(schema)
}

/** A value that is present or null (never omitted), as the SDK clients expect. */
export function Nullable<T extends TSchema> (schema: T, description?: string): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], description ? { description } : {})
}

export const ErrorResponse = Type.Object({
  error: Type.Object({
    message: Type.String({ description: 'Human-readable description of what went wrong' })
  }, { additionalProperties: false })
}, { $id: 'ErrorResponse', additionalProperties: false, description: 'The body of every error response' })

export const Uuid = (description: string) => Type.String({ format: 'uuid', description })
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description })

export const IdParams = <K extends string>(key: K, description: string) =>
  Type.Object({ [key]: Uuid(description) } as Record<K, ReturnType<typeof Uuid>>)

/** Error responses for a route: each status references the one ErrorResponse component. */
export function errors<S extends number> (...statuses: S[]): Record<S, TUnsafe<Static<typeof ErrorResponse>>> {
  const out = {} as Record<S, TUnsafe<Static<typeof ErrorResponse>>>
  for (const s of statuses) out[s] = { ...ref(ErrorResponse), description: errorDescriptions[s] ?? 'Error' } as TUnsafe<Static<typeof ErrorResponse>>
  return out
}

const errorDescriptions: Record<number, string> = {
  400: 'Bad request: invalid input',
  401: 'Missing or invalid credentials',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Request body too large',
  415: 'Unsupported content type',
  429: 'Rate limit exceeded (see Retry-After)',
  500: 'Internal or LLM provider error',
  503: 'Temporarily unavailable (see Retry-After)'
}

export const NoContent = Type.Null({ description: 'No content' })

export type ErrorResponseBody = Static<typeof ErrorResponse>

/** Registers every named schema once; routes reference them with ref(). */
export function addSchemas (app: FastifyInstance, schemas: TSchema[]) {
  for (const s of schemas) app.addSchema(s)
}

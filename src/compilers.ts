// Schema compilers for buildApp: validators (bodies strict, other parts coerced) and response serializers, both shared
// by every app of the process, so an app built a second time (tests build one per test) compiles nothing again.
import AjvCompiler from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'

type Compiled = (doc: any) => unknown
interface RouteSchema { schema?: unknown, httpPart?: string }

/** One memo level per set of shared schemas and options, then one entry per route schema (and HTTP part). */
function memo<R extends RouteSchema> (compile: (route: R) => Compiled, sharedKey: string, cache: Map<string, Map<string, Compiled>>) {
  let byRoute = cache.get(sharedKey)
  if (byRoute === undefined) cache.set(sharedKey, byRoute = new Map())
  const entries = byRoute
  return (route: R) => {
    // A compiled function depends only on its schema, the shared schemas and the options: equal JSON, equal function.
    const key = `${route.httpPart ?? ''} ${JSON.stringify(route.schema)}`
    let fn = entries.get(key)
    if (fn === undefined) entries.set(key, fn = compile(route))
    return fn
  }
}

const validatorPool = AjvCompiler()
const validators = new Map<string, Map<string, Compiled>>()

/**
 * Validators: query strings, params and headers are coerced from strings; JSON bodies are not,
 * so a body must carry real integers and booleans. Unknown body fields are ignored.
 */
export function buildValidatorFactory () {
  return (externalSchemas: unknown, options: { customOptions?: Record<string, unknown> }) => {
    // The Ajv pool keys its instances by the shared schemas' JSON too: only ask it on a miss.
    const pooled = (coerceTypes: 'array' | false) => validatorPool(externalSchemas as never, { ...options, customOptions: { ...options.customOptions, coerceTypes } } as never) as (route: RouteSchema) => Compiled
    return memo((route: RouteSchema) => pooled(route.httpPart === 'body' ? false : 'array')(route), JSON.stringify([externalSchemas, options]), validators)
  }
}

const serializerFactory = SerializerSelector()
const serializers = new Map<string, Map<string, Compiled>>()

/** Response serializers (fast-json-stringify), compiled once per distinct schema in the process. */
export function buildSerializerFactory () {
  return (externalSchemas: unknown, options?: Record<string, unknown>) =>
    memo(serializerFactory(externalSchemas, options) as (route: RouteSchema) => Compiled, JSON.stringify([externalSchemas, options]), serializers)
}

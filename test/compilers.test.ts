// Schema compilers shared across apps: a second app reuses compiled validators and serializers, and never another schema's.
import t, { type Test } from 'tap'
import { Type, type TSchema } from '@sinclair/typebox'
import { buildApp } from '../src/app.ts'
import { buildSerializerFactory, buildValidatorFactory } from '../src/compilers.ts'
import { testAppConfig } from './helpers/build.ts'

/** An app whose POST /api/v1/probe validates `body` and answers { echo } through `response`. */
async function probeApp (t: Test, body: TSchema, response: TSchema) {
  const app = await buildApp(await testAppConfig(t), {
    extraRoutes: async (api) => {
      api.post('/probe', { schema: { body, querystring: Type.Object({ n: Type.Optional(Type.Integer()) }), response: { 200: response } } },
        async (req) => ({ ...(req.body as object), n: (req.query as { n?: number }).n }))
    }
  })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

t.test('apps with the same route but different schemas each validate and serialize by their own', async (t) => {
  const a = await probeApp(t, Type.Object({ name: Type.String() }), Type.Object({ name: Type.String(), n: Type.Optional(Type.Integer()) }))
  const b = await probeApp(t, Type.Object({ age: Type.Integer() }), Type.Object({ age: Type.Integer(), secret: Type.Optional(Type.String()) }))

  const okA = await a.inject({ method: 'POST', url: '/api/v1/probe?n=3', payload: { name: 'Vex', age: 4 } })
  t.equal(okA.statusCode, 200)
  t.same(okA.json(), { name: 'Vex', n: 3 }, 'A serializes with its response schema: unknown fields dropped, query coerced')
  const badA = await a.inject({ method: 'POST', url: '/api/v1/probe', payload: { age: 4 } })
  t.equal(badA.statusCode, 400, 'A requires name')

  const okB = await b.inject({ method: 'POST', url: '/api/v1/probe', payload: { age: 4, name: 'Vex' } })
  t.equal(okB.statusCode, 200)
  t.same(okB.json(), { age: 4 }, 'B serializes with its own response schema, not A\'s')
  const badB = await b.inject({ method: 'POST', url: '/api/v1/probe', payload: { name: 'Vex' } })
  t.equal(badB.statusCode, 400, 'B requires age, not name')
  const strictB = await b.inject({ method: 'POST', url: '/api/v1/probe', payload: { age: '4' } })
  t.equal(strictB.statusCode, 400, 'bodies are not coerced: "4" is no integer')
})

t.test('the compiled functions are shared between apps by schema, per HTTP part', async (t) => {
  // Two factories as two apps would build them, over the same shared schemas.
  const shared = { Thing: { $id: 'Thing', type: 'object', properties: { id: { type: 'string' } } } }
  const serializerOf = () => {
    const compile = buildSerializerFactory()(shared, {})
    return (route: { schema: unknown }) => compile(route as never)
  }
  const first = serializerOf()
  const second = serializerOf()
  const schema = { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } } }
  const s1 = first({ schema }) as (doc: unknown) => string
  t.equal(second({ schema: structuredClone(schema) }), s1, 'an equal schema in another app gets the same serializer')
  t.equal(s1({ id: 'x', n: 2, extra: true }), '{"id":"x","n":2}')
  const other = second({ schema: { type: 'object', properties: { n: { type: 'integer' } } } }) as (doc: unknown) => string
  t.not(other, s1, 'another schema gets its own serializer')
  t.equal(other({ id: 'x', n: 2 }), '{"n":2}')
  const otherShared = buildSerializerFactory()({ ...shared, Extra: { $id: 'Extra', type: 'string' } }, {})
  t.not(otherShared({ schema } as never), s1, 'other shared schemas get their own serializer')

  const validate = buildValidatorFactory()(shared, { customOptions: {} })
  const again = buildValidatorFactory()(shared, { customOptions: {} })
  const query = { type: 'object', properties: { n: { type: 'integer' } } }
  const q = validate({ schema: query, httpPart: 'querystring' } as never) as (doc: unknown) => boolean
  t.equal(again({ schema: structuredClone(query), httpPart: 'querystring' } as never), q, 'an equal schema and part in another app: the same validator')
  const body = validate({ schema: query, httpPart: 'body' } as never) as (doc: unknown) => boolean
  t.not(body, q, 'the same schema as a body is validated strictly, by another validator')
  t.equal(q({ n: '3' }), true, 'querystrings are coerced')
  t.equal(body({ n: '3' }), false, 'bodies are not')
})

// The OpenAPI shaping's shared components against the published document: parameters, headers and error responses, word for word.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { documentTransform } from '../../src/plugins/openapi-shape.ts'

t.test('the shared parameters, headers and error responses are exactly the published ones (openapi/openapi.json)', async (t) => {
  const published = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
  const out = documentTransform({ openapiObject: { info: { title: 'T' }, components: { schemas: {} }, paths: {} } })
  for (const kind of ['parameters', 'headers', 'responses']) t.same(out.components[kind], published.components[kind], kind)
})

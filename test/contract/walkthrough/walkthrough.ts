// A game developer's first client, written only against types generated from openapi/openapi.json (./api.d.ts, made by the test) and openapi-fetch; compiled under tsc --strict by test/contract/typed-client.test.ts.
import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

type Schemas = components['schemas']
type StreamRoute = paths['/api/v1/sdk/chat/{persona_id}/message/stream']['post']
/** One event of the stream, as the streaming operation's 200 response declares it. */
export type StreamEvent = StreamRoute['responses'][200]['content']['text/event-stream']

export interface WalkResult {
  personas: Array<Schemas['SdkPersona']>
  greeting: string
  turn: Schemas['ChatResponse']
  events: Array<StreamEvent['event']>
  streamedText: string
  metadata: Schemas['StreamMetadata'] | null
  done: Schemas['ChatResponse'] | null
}

/** Reads a text/event-stream body into typed events: `event: <name>` and one `data: <JSON>` line per event. */
export async function * readEvents (body: ReadableStream<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    buffer += decoder.decode(value, { stream: !done })
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const name = /^event: (.+)$/m.exec(frame)?.[1]
      const data = /^data: (.+)$/m.exec(frame)?.[1]
      if (name !== undefined && data !== undefined) yield { event: name, data: JSON.parse(data) } as StreamEvent
    }
    if (done) return
  }
}

function ok<T> (result: { data?: T, error?: unknown, response: Response }, step: string): T {
  if (result.data === undefined) throw new Error(`${step} answered ${result.response.status}: ${JSON.stringify(result.error)}`)
  return result.data
}

/** register → API key → save the example persona → publish → list → init-session → message → stream. */
export async function walkthrough (baseUrl: string, persona: Schemas['SaveBody'], email: string): Promise<WalkResult> {
  const client = createClient<paths>({ baseUrl })

  const account = ok(await client.POST('/api/v1/auth/register', { body: { email, password: 'a long password', display_name: 'Typed client' } }), 'register')
  const web = { Authorization: `Bearer ${account.token}` }
  const created = ok(await client.POST('/api/v1/sdk/api-keys', { headers: web, body: { name: 'typed client' } }), 'create key')
  const saved = ok(await client.POST('/api/v1/creator/save', { headers: web, body: persona }), 'save')
  const path = { persona_id: saved.persona.id }
  ok(await client.POST('/api/v1/personas/{persona_id}/publish', { headers: web, params: { path } }), 'publish')

  const sdk = { 'X-API-Key': created.key }
  const personas = ok(await client.GET('/api/v1/sdk/personas', { headers: sdk }), 'list')
  // The LLM headers are declared parameters: a misspelt one does not compile (see misuse below).
  const header = { 'X-LLM-Model': 'mock/npc', 'X-LLM-Eval-Model': 'mock/judge', 'X-LLM-Response-Model': 'mock/voice' }
  const init = ok(await client.POST('/api/v1/sdk/chat/{persona_id}/init-session', {
    headers: sdk, params: { path, header }, body: { user_session_id: 'player-1', player_name: 'Sam', player_gender: 'non-binary' }
  }), 'init-session')
  const turn = ok(await client.POST('/api/v1/sdk/chat/{persona_id}/message', {
    headers: sdk, params: { path, header }, body: { user_session_id: 'player-1', message: 'I am on the guest list, Margo invited me' }
  }), 'message')

  const stream = await client.POST('/api/v1/sdk/chat/{persona_id}/message/stream', {
    headers: sdk, params: { path, header: { 'X-LLM-Model': 'mock/npc' } }, parseAs: 'stream', body: { user_session_id: 'player-1', message: 'Margo invited me, she sings with the band tonight' }
  })
  if (!stream.response.ok || stream.data == null) throw new Error(`stream answered ${stream.response.status}`)
  const result: WalkResult = { personas, greeting: init.message, turn, events: [], streamedText: '', metadata: null, done: null }
  for await (const event of readEvents(stream.data)) {
    result.events.push(event.event)
    // The event name narrows the data: each case reads fields only its own event has.
    switch (event.event) {
      case 'metadata': result.metadata = event.data; break
      case 'text_delta': result.streamedText += event.data.text; break
      case 'done': result.done = event.data; break
      case 'error': throw new Error(`the stream failed: ${event.data.error.message}`)
    }
  }
  return result
}

/** Never run: calls the generated types must refuse. Each @ts-expect-error fails the compile if the line compiles. */
export function misuse (client: ReturnType<typeof createClient<paths>>, event: StreamEvent) {
  const path = { persona_id: '00000000-0000-4000-8000-000000000000' }
  const body = { user_session_id: 'p', message: 'hi' }
  // @ts-expect-error an undeclared LLM header
  client.POST('/api/v1/sdk/chat/{persona_id}/message', { params: { path, header: { 'X-LLM-Modle': 'mock/npc' } }, body })
  // @ts-expect-error a required body field missing
  client.POST('/api/v1/sdk/chat/{persona_id}/message', { params: { path }, body: { user_session_id: 'p' } })
  // @ts-expect-error an unknown route
  client.GET('/api/v1/sdk/persona')
  // @ts-expect-error a metadata event carries no text
  if (event.event === 'metadata') return event.data.text
  // @ts-expect-error limit is a number
  client.GET('/api/v1/personas', { params: { query: { limit: 'ten' } } })
}

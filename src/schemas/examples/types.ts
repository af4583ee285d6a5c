// Shared shapes and values of the OpenAPI examples: obviously fake tokens, the turn's lines, an SSE stream as text.

/** The examples of one operation: its request body and its success response body. */
export interface OperationExamples { request?: unknown, response: unknown }

/** Example JWTs: well-formed, visibly not real (the signature says so). */
export const USER_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhODI4MjRlNS00ZjY2LTRiOGMtOTVlMy0wZWEzNTM2NzAxMDYiLCJyb2xlIjoidXNlciJ9.example-signature-not-a-real-token'
export const GUEST_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjNTgzZjM0Ny1iN2QzLTRmN2EtYmZiYy1hOWY5ZjU4YjJkMzkiLCJyb2xlIjoiZ3Vlc3QifQ.example-signature-not-a-real-token'

/** What Vex says in the example turn. */
export const GREETING = 'Rope\'s closed, friend. Name, and why you think you\'re getting in tonight.'
export const FIRST_REPLY = 'Guest list. Everyone\'s on the guest list. Margo who? Spell it, and tell me who you came to hear.'
export const SECOND_REPLY = 'No last name, no list. But go on. You\'ve got until the couple behind you gets bored.'

/** One event of a stream, in the shape of the ChatStreamEvent item schema. */
export interface StreamEvent { event: string, data: Record<string, unknown> }

/** The events of a streamed turn: metadata, one text_delta per word, done. */
export function streamEvents (metadata: Record<string, unknown>, message: string): StreamEvent[] {
  const deltas = message.split(/(?<= )/).map((text) => ({ event: 'text_delta', data: { text } }))
  return [{ event: 'metadata', data: metadata }, ...deltas, { event: 'done', data: { message, ...metadata } }]
}

/** The body as the server writes it on the wire. */
export const sseText = (events: StreamEvent[]) => events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join('')

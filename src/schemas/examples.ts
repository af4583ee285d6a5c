// Realistic examples for the OpenAPI document: the Vex persona, a real turn, a real stream, keyed by operationId.
import { accountsExamples } from './examples/accounts.ts'
import { chatExamples } from './examples/chat.ts'
import { personasExamples } from './examples/personas.ts'
import { sseText, type OperationExamples, type StreamEvent } from './examples/types.ts'

type Json = Record<string, any>

export const EXAMPLES: Record<string, OperationExamples> = { ...accountsExamples, ...personasExamples, ...chatExamples }

/**
 * An event-stream's schema describes one event (itemSchema semantics), so each example is one event of a real
 * stream; the first one's description carries the whole body as sent on the wire.
 */
function streamExamples (events: StreamEvent[]): Json {
  const first = (name: string) => events.find((e) => e.event === name)!
  return {
    metadata: { summary: 'First event: the turn\'s outcome', description: `The whole stream as sent:\n\n\`\`\`text\n${sseText(events)}\`\`\``, value: first('metadata') },
    text_delta: { summary: 'A piece of the reply (one per word here)', value: first('text_delta') },
    done: { summary: 'Last event: the full reply and outcome', value: first('done') }
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch']

/** Adds request and response examples to the operations of the document (every body and every 200/201 with content). */
export function attachExamples (doc: Json): void {
  for (const item of Object.values<Json>(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method]
      const examples = op?.operationId ? EXAMPLES[op.operationId] : undefined
      if (!examples) continue
      if (examples.request !== undefined) {
        for (const media of Object.values<Json>(op.requestBody?.content ?? {})) media.example = examples.request
      }
      for (const code of ['200', '201']) {
        for (const [type, media] of Object.entries<Json>(op.responses?.[code]?.content ?? {})) {
          if (type === 'text/event-stream') media.examples = streamExamples(examples.response as StreamEvent[])
          else media.example = examples.response
        }
      }
    }
  }
}

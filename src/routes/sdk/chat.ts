// SDK chat API (SPEC §4 rows 2–9): chat with the key owner's published personas, and validate-llm-key.
import type { Config } from '../../config.ts'
import { LlmError } from '../../llm/errors.ts'
import { resolveSingleStepConfig } from '../../llm/keys.ts'
import { errors, ref } from '../../schemas/common.ts'
import { KeyValidation, ValidateKeyBody } from '../../schemas/chat.ts'
import { SingleCallHeaders } from '../../schemas/headers.ts'
import { registerChatRoutes } from '../chat-routes.ts'
import type { App } from '../types.ts'

export interface SdkChatOptions {
  llm: Config['llm']
  /** Heartbeat interval of streams in ms (default 15 s). */
  heartbeatMs?: number
}

/** POST/GET /sdk/chat/{persona_id}/… and POST /sdk/validate-llm-key. */
export default async function sdkChatRoutes (app: App, opts: SdkChatOptions) {
  registerChatRoutes(app, {
    prefix: '/sdk/chat',
    auth: 'api-key',
    limits: { turn: 'sdkChat', other: 'sdkGeneral' },
    tag: 'sdk',
    ids: {
      init: 'sdkInitSession',
      message: 'sdkSendMessage',
      stream: 'sdkStreamMessage',
      session: 'sdkGetSession',
      history: 'sdkGetHistory',
      reset: 'sdkResetSession',
      machines: 'sdkListMachines'
    },
    viewer: (req) => ({ kind: 'sdk', ownerId: (req.apiKey as { userId: string }).userId }),
    traceQuery: true,
    notes: {
      access: 'Only published personas of the API key\'s owner (another owner\'s persona or an unpublished one: 403). ' +
        'LLM key and models come from the X-LLM-* headers.',
      turnLimit: 'Rate category SDK Chat (per key).',
      otherLimit: 'Rate category SDK General (per key).'
    },
    heartbeatMs: opts.heartbeatMs
  })

  app.post('/sdk/validate-llm-key', {
    config: { auth: 'api-key', limit: 'sdkGeneral' },
    schema: {
      operationId: 'sdkValidateLlmKey',
      tags: ['sdk'],
      summary: 'Check an LLM provider key',
      description: 'Sends one tiny request to the provider with X-LLM-API-Key and the model (body `model`, else X-LLM-Model, else the server default). ' +
        'A rejected key or an unknown model answers 200 with valid=false and the reason; a missing key answers 400; ' +
        'a provider rate limit or outage answers 429 / 500. The key is not stored. Rate category SDK General (per key).',
      headers: SingleCallHeaders,
      body: ref(ValidateKeyBody),
      response: { 200: ref(KeyValidation), ...errors(400, 401, 429, 500) }
    }
  }, async (req) => {
    const keyOptions = { defaultModel: opts.llm.defaultModel, serverKey: opts.llm.serverKey, allowServerKey: opts.llm.allowServerKeyForSdk, mock: opts.llm.mock }
    const requested = req.body.model?.trim() || headerModel(req.headers['x-llm-model']) || opts.llm.defaultModel
    let step
    try {
      step = resolveSingleStepConfig(req.headers, { ...keyOptions, model: req.body.model })
    } catch (err) {
      // An unroutable model is an answer about the model, not a malformed request.
      if (err instanceof LlmError && err.code === 'RAPPORT_LLM_UNKNOWN_PROVIDER') return { valid: false, model: requested, error: err.message }
      throw err
    }
    return app.llm.validateKey(step)
  })
}

function headerModel (value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value
  return first?.trim() || undefined
}

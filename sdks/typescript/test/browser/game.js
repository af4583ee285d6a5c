// The browser test's game: the TypeScript SDK's dist imported as is, and the web API with a guest token.
import { Rapport } from '/sdk/index.js'

const log = document.getElementById('log')
const show = (text) => {
  const line = document.createElement('p')
  line.textContent = text
  log.append(line)
}

window.game = {
  async listPersonas ({ baseUrl, apiKey }) {
    const personas = await new Rapport({ baseUrl, apiKey }).personas.list()
    show(`personas: ${personas.map((p) => p.name).join(', ')}`)
    return personas.map((p) => p.name)
  },

  // init, then a streamed turn whose deltas are put on the page as they arrive
  async initAndStream ({ baseUrl, apiKey, llmApiKey, personaId }) {
    const rapport = new Rapport({ baseUrl, apiKey, llmApiKey, llmModel: 'gpt-4o-mini' })
    const player = { userSessionId: 'browser-player' }
    const hello = await rapport.chat.initSession(personaId, { ...player, playerName: 'Ada', playerGender: 'female' })
    show(hello.message)
    const reply = document.getElementById('reply')
    const seen = []
    let final = null
    for await (const event of rapport.chat.streamMessage(personaId, { ...player, message: '[pass] I am on the list.' })) {
      if (event.type === 'text_delta') reply.textContent += event.data.text
      if (event.type === 'done') final = event.data
      seen.push({ type: event.type, shown: reply.textContent })
    }
    return { greeting: hello.message, seen, final }
  },

  // a tiny SDK limit: the second call is refused with Retry-After, which the SDK reads and waits
  async hitLimit ({ baseUrl, apiKey }) {
    const waits = []
    let failed = null
    const rapport = new Rapport({
      baseUrl,
      apiKey,
      hooks: {
        onError: (_req, err, willRetry) => { failed = { at: performance.now(), status: err.statusCode, retryAfter: err.retryAfter, willRetry } },
        beforeRequest: () => {
          if (failed) waits.push({ ...failed, waitedMs: performance.now() - failed.at })
          failed = null
        }
      }
    })
    await rapport.personas.list()
    const again = await rapport.personas.list({ fresh: true })
    show(`waited ${waits.map((w) => Math.round(w.waitedMs)).join(', ')} ms`)
    return { waits, again }
  },

  async refused ({ baseUrl, apiKey }) {
    try {
      await new Rapport({ baseUrl, apiKey, maxRetries: 0 }).personas.list()
      return { ok: true }
    } catch (err) {
      show(err.message)
      return { name: err.name, statusCode: err.statusCode, message: err.message }
    }
  },

  // web chat as a signed-out player: a guest token, the public persona list, init and one turn
  async webChat ({ baseUrl, llmApiKey, personaId }) {
    const api = async (path, init) => {
      const res = await fetch(`${baseUrl}/api/v1${path}`, init)
      return { body: await res.json(), remaining: res.headers.get('x-ratelimit-remaining') }
    }
    const guest = await api('/auth/guest', { method: 'POST' })
    const headers = { authorization: `Bearer ${guest.body.token}`, 'content-type': 'application/json', 'x-llm-api-key': llmApiKey, 'x-llm-model': 'gpt-4o-mini' }
    const personas = await api('/personas?public_only=true')
    const init = await api(`/chat/${personaId}/init-session`, { method: 'POST', headers, body: JSON.stringify({ user_session_id: 'web-player', player_name: 'Bo', player_gender: 'male' }) })
    const turn = await api(`/chat/${personaId}/message`, { method: 'POST', headers, body: JSON.stringify({ user_session_id: 'web-player', message: '[pass] Evening, I am on the list.' }) })
    show(turn.body.message)
    return { role: guest.body.user.role, personas: personas.body.map((p) => p.name), greeting: init.body.message, reply: turn.body.message, state: turn.body.current_state, remaining: turn.remaining }
  }
}

document.body.dataset.ready = 'true'

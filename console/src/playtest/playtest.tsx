// Playtest of the saved draft through web chat (owner preview): streamed replies, each turn's trace, reset and rewind by replay.
import { useRef, useState, type FormEvent } from 'react'
import { call, streamMessage } from '../api.ts'
import type { ChatHistory, ChatResponse, GraphMachine, SessionInit, SessionStatus, TurnTrace } from '../types.ts'
import { TraceView } from './trace.tsx'

const USER_SESSION = 'console-playtest'

export interface Turn {
  player: string
  reply: string
  before: { state: string, score: number }
  after: Omit<ChatResponse, 'message'> | null
  trace: TurnTrace | null
  pending: boolean
  replayed: boolean
  diverged: boolean
}

interface Props { personaId: string, machineId: string | null, machine: GraphMachine, dirty: boolean, onState: (state: string | null) => void }

export function Playtest ({ personaId, machineId, machine, dirty, onState }: Props) {
  const [greeting, setGreeting] = useState<string | null>(null)
  const [turns, setTurns] = useState<Turn[]>([])
  const [now, setNow] = useState<{ state: string, score: number, outcome: string | null } | null>(null)
  const [input, setInput] = useState('')
  const [playerName, setPlayerName] = useState('Sam')
  const [gender, setGender] = useState<'female' | 'male' | 'non-binary'>('non-binary')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState('')
  const log = useRef<HTMLOListElement>(null)

  const q = `user_session_id=${USER_SESSION}&machine_id=${machineId}`
  const base = `/chat/${personaId}`
  const scroll = () => requestAnimationFrame(() => log.current?.lastElementChild?.scrollIntoView({ block: 'end' }))
  const setState = (state: string, score: number, outcome: string | null) => { setNow({ state, score, outcome }); onState(state) }

  async function start () {
    const init = await call<SessionInit>('POST', `${base}/init-session?machine_id=${machineId}`,
      { user_session_id: USER_SESSION, player_name: playerName, player_gender: gender }, { llm: true })
    const session = await call<SessionStatus>('GET', `${base}/session?${q}`)
    setGreeting(init.message)
    setTurns([])
    setState(session.current_state, session.score, session.outcome)
    return session
  }
  async function traces (): Promise<Array<TurnTrace | null>> {
    const history = await call<ChatHistory>('GET', `${base}/history?${q}`)
    return history.messages.filter((m) => m.role === 'assistant').slice(1).map((m) => m.trace ?? null)
  }
  async function run (label: string, fn: () => Promise<void>) {
    setBusy(label)
    setError('')
    try { await fn() } catch (err) { setError((err as Error).message) } finally { setBusy(''); scroll() }
  }

  const restart = () => run('Starting…', async () => {
    if (greeting !== null) await call('POST', `${base}/reset?${q}`, undefined, { llm: true })
    await start()
  })

  function send (e: FormEvent) {
    e.preventDefault()
    const text = input.trim()
    if (!text || !now || busy !== '') return
    const before = { state: now.state, score: now.score }
    const index = turns.length
    const update = (patch: Partial<Turn> | ((t: Turn) => Partial<Turn>)) =>
      setTurns((ts) => ts.map((t, i) => i === index ? { ...t, ...(typeof patch === 'function' ? patch(t) : patch) } : t))
    setTurns((ts) => [...ts, { player: text, reply: '', before, after: null, trace: null, pending: true, replayed: false, diverged: false }])
    setInput('')
    scroll()
    run('NPC is answering…', async () => {
      try {
        const done = await streamMessage(`${base}/message/stream?machine_id=${machineId}`, { message: text, user_session_id: USER_SESSION }, {
          metadata: (m) => { update({ after: m }); setState(m.current_state, m.score, m.outcome) },
          delta: (chunk) => { update((t) => ({ reply: t.reply + chunk })); scroll() }
        })
        const { message, ...after } = done
        update({ reply: message, after, pending: false })
        setState(done.current_state, done.score, done.outcome)
        const all = await traces()
        update({ trace: all[index] ?? null })
      } catch (err) {
        // a failed turn commits nothing: drop it and give the line back
        setTurns((ts) => ts.slice(0, index))
        setState(before.state, before.score, null)
        setInput(text)
        throw err
      }
    })
  }

  /** Restarts the session and replays the player's lines of turns 1..n, then the player goes on from there. */
  const rewind = (n: number) => run(`Rewinding to turn ${n}…`, async () => {
    const old = turns.slice(0, n)
    await call('POST', `${base}/reset?${q}`, undefined, { llm: true })
    const session = await start()
    let state = session.current_state
    let score = session.score
    const replayed: Turn[] = []
    for (const t of old) {
      const res = await call<ChatResponse>('POST', `${base}/message?machine_id=${machineId}`, { message: t.player, user_session_id: USER_SESSION }, { llm: true })
      const { message, ...after } = res
      replayed.push({ player: t.player, reply: message, before: { state, score }, after, trace: null, pending: false, replayed: true, diverged: t.after?.current_state !== res.current_state || t.after?.score !== res.score })
      state = res.current_state
      score = res.score
      setTurns([...replayed])
      setState(res.current_state, res.score, res.outcome)
    }
    const all = await traces()
    setTurns(replayed.map((t, i) => ({ ...t, trace: all[i] ?? null })))
  })

  if (machineId === null) return <p>Save the persona to playtest this machine.</p>
  const ended = now?.outcome != null
  return (
    <section className='playtest' aria-label='Playtest'>
      {dirty && <p className='notice card'>The playtest runs the <strong>saved</strong> draft: save to try your latest changes.</p>}
      {greeting === null
        ? (
          <form className='form' onSubmit={(e) => { e.preventDefault(); restart() }}>
            <p>Chat with the saved draft of <strong>{machine.name}</strong> as a player would (owner preview).</p>
            <div className='row'>
              <label>Player name <input value={playerName} required maxLength={100} onChange={(e) => setPlayerName(e.target.value)} /></label>
              <label>Gender
                <select value={gender} onChange={(e) => setGender(e.target.value as typeof gender)}>
                  <option value='female'>female</option><option value='male'>male</option><option value='non-binary'>non-binary</option>
                </select>
              </label>
            </div>
            <button type='submit' className='primary' disabled={busy !== ''}>Start playtest</button>
          </form>)
        : (
          <>
            <div className='row playtest-status' role='status' aria-live='polite'>
              <span>State <code data-testid='playtest-state'>{now?.state}</code></span>
              <span>Score <strong data-testid='playtest-score'>{now?.score}</strong></span>
              {ended && <span className='badge warn' data-testid='playtest-outcome'>Ended: {now?.outcome}</span>}
              <span className='spacer' />
              <button type='button' disabled={busy !== ''} onClick={() => { restart() }}>Reset</button>
            </div>
            <ol className='chat' ref={log} aria-label='Conversation'>
              <li className='msg npc'><span className='who'>NPC</span> {greeting}</li>
              {turns.map((t, i) => (
                <li key={i} className='turn' data-testid={`turn-${i + 1}`}>
                  <div className='msg player'>
                    <span className='who'>Turn {i + 1} · You</span> {t.player}
                    {!t.pending && (
                      <button type='button' className='small' disabled={busy !== ''} onClick={() => { if (window.confirm(`Rewind to turn ${i + 1}? The session restarts and your lines of turns 1–${i + 1} are sent again; later turns are dropped.`)) rewind(i + 1) }}>
                        Rewind to turn {i + 1}
                      </button>
                    )}
                  </div>
                  <div className='msg npc' aria-busy={t.pending}>
                    <span className='who'>NPC</span> {t.reply || (t.pending ? '…' : '')}
                    {t.replayed && <span className={t.diverged ? 'tag tag-warning' : 'tag'}>{t.diverged ? 'replayed: went differently' : 'replayed'}</span>}
                  </div>
                  {t.after && <TraceView turn={t} machine={machine} />}
                </li>
              ))}
            </ol>
            {error && <p role='alert' className='error'>{error}</p>}
            <form className='row chat-input' onSubmit={send}>
              <label className='grow'><span className='sr-only'>Your line</span>
                <input value={input} disabled={ended} maxLength={4000} placeholder={ended ? 'The conversation has ended: rewind or reset' : 'Say something…'} onChange={(e) => setInput(e.target.value)} />
              </label>
              <button type='submit' className='primary' disabled={busy !== '' || ended || !input.trim()}>Send</button>
            </form>
            {busy && <p className='hint' role='status'>{busy}</p>}
          </>)}
      {greeting === null && error && <p role='alert' className='error'>{error}</p>}
    </section>
  )
}

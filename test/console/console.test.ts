// End to end in Chromium, one browser test after the other (never two Chromiums at once): register → Vex from the example →
// edit a transition on the graph → save → fix what the validator finds → publish → playtest three turns with the trace and
// the live state → rewind to turn 1 → another outcome; then AI assistance, keyboard editing and the unsaved-changes guard.
import { copyFileSync, mkdirSync } from 'node:fs'
import t from 'tap'
import type { Page } from 'playwright-core'
import { evaluation, startHarness } from './harness.ts'
import { roleOf } from '../helpers/chat.ts'

const EDITED_CONDITION = 'The player says they are on the guest list or drops the name of a regular'
// The fake evaluator picks, for a player line containing the key, the offered transition whose condition contains the value.
const RULES: Array<[string, string]> = [
  ['guest list', 'guest list'],
  ['Margo invited me', 'specific, believable name'],
  ['for the music', 'genuine respect'],
  ['forgot who invited', 'story falls apart']
]

const shot = async (page: Page, name: string) => {
  mkdirSync('test-output', { recursive: true })
  await page.screenshot({ path: `test-output/${name}.png` })
  // `RAPPORT_DOC_SCREENSHOTS=1 npx tap test/console/console.test.ts` refreshes the README's screenshots
  if (process.env.RAPPORT_DOC_SCREENSHOTS === '1') copyFileSync(`test-output/${name}.png`, `docs/${name}.png`)
}

t.setTimeout(300_000)

t.test('a creator edits, validates, publishes and playtests a persona in the console', async (t) => {
  const { url, fake, page, errors, failedRequests } = await startHarness(t)
  let replies = 0
  fake.setDefault((req) => {
    const role = roleOf(req)
    if (role === 'evaluate') {
      const { line, offered } = evaluation(req)
      const rule = RULES.find(([key]) => line.includes(key))
      const chosen = rule ? offered.find((o) => o.condition.includes(rule[1])) : undefined
      return { json: { transition_id: chosen?.id ?? null, follow_up: false, reason: chosen ? `The line matches: ${rule![1]}.` : 'Nothing applies.' } }
    }
    if (role === 'extract') return { json: { variables: {}, memory: 'They met at the door.' } }
    if (role === 'summary') return { text: 'They talked at the door.' }
    replies++
    return { text: `Vex answers, line ${replies}.`, usage: { prompt_tokens: 120, completion_tokens: 9 } }
  })

  // register
  await page.goto(`${url}/console/`)
  await page.getByRole('tab', { name: 'Register' }).click()
  await page.getByLabel('Email').fill('writer@example.com')
  await page.getByLabel('Password').fill('a long password')
  await page.getByLabel('Display name').fill('Writer')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('heading', { name: 'Personas', level: 1 }).waitFor()

  // the LLM key, once for the browser session: session storage only
  await page.getByRole('button', { name: 'LLM key' }).click()
  await page.getByLabel('API key').fill('sk-console-session-key')
  await page.getByLabel('Model').fill('gpt-4o-mini')
  await page.getByRole('button', { name: 'Save for this session' }).click()
  t.match(await page.evaluate(() => sessionStorage.getItem('rapport.console.llm')), /sk-console-session-key/)
  t.notMatch(await page.evaluate(() => JSON.stringify(localStorage)), /sk-console-session-key/, 'the LLM key never reaches localStorage')

  // API keys: the full key is shown once, then only its prefix and last four
  await page.getByRole('link', { name: 'API keys' }).click()
  await page.getByLabel('Key name').fill('my game')
  await page.getByRole('button', { name: 'Create key' }).click()
  const key = await page.getByTestId('new-key').textContent()
  t.match(key, /^pk_live_[0-9a-f]{32}$/)
  await page.getByRole('button', { name: 'Done' }).click()
  const row = page.getByRole('row', { name: /my game/ })
  t.match(await row.textContent(), new RegExp(`pk_live_…${key!.slice(-4)}`))
  t.equal(await page.getByTestId('new-key').count(), 0)
  await page.getByRole('button', { name: 'Revoke my game' }).click()
  await page.getByText('No keys yet.').waitFor()

  // a persona from the example
  await page.getByRole('link', { name: 'Personas' }).click()
  await page.getByLabel('Start from').selectOption('vex-bouncer')
  await page.getByRole('button', { name: 'Create persona' }).click()
  await page.getByRole('heading', { name: 'Vex', level: 1 }).waitFor()
  t.match(page.url(), /\/console\/personas\/[0-9a-f-]{36}$/)
  const personaId = page.url().split('/').at(-1)!
  for (const key of ['approach', 'guest_list', 'vibe_check', 'inside', 'turned_away']) await page.getByTestId(`state-${key}`).waitFor()

  // edit a transition's condition on the graph, add a state, save: the validator flags the new state on its node
  await page.getByTestId('edge-approach-guest_list-pass').click()
  await page.getByLabel('Condition', { exact: true }).fill(EDITED_CONDITION)
  await page.getByRole('button', { name: '+ State' }).click()
  await page.getByTestId('state-new_state').waitFor()
  await page.getByText('Unsaved changes').waitFor()
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await page.getByText(/Saved\. 2 error\(s\)/).waitFor()
  const flagged = page.getByTestId('state-new_state')
  t.match(await flagged.textContent(), /2 errors/)
  t.match(await page.locator('.findings').first().textContent(), /state "new_state" cannot be reached/)
  await page.getByRole('button', { name: 'Publish' }).click()
  t.match(await page.locator('.error.banner').textContent(), /new_state/, 'publish refuses with the validator errors')

  // the author fixes it by direct manipulation: connect vibe_check → new_state, make new_state terminal
  await drag(page, '.react-flow__node[data-id="vibe_check"] .react-flow__handle.source', '.react-flow__node[data-id="new_state"] .react-flow__handle.target')
  await page.getByRole('heading', { name: /Transition vibe_check → new_state/ }).waitFor()
  await page.getByLabel('Condition', { exact: true }).fill('The player offers to help behind the bar')
  await page.getByTestId('state-new_state').click()
  await page.getByLabel('Terminal state').check()
  await page.getByLabel('Label').fill('Behind the bar')
  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await page.getByText(/Saved\. 0 error\(s\)/).waitFor()
  t.notMatch(await page.getByTestId('state-new_state').textContent(), /error/)
  await shot(page, 'console-editor')
  await page.getByRole('button', { name: 'Publish' }).click()
  await page.getByText('published', { exact: true }).waitFor()

  // playtest three turns: trace beside each reply, the highlight follows the state
  await page.getByRole('tab', { name: 'Playtest' }).click()
  await page.getByRole('button', { name: 'Start playtest' }).click()
  await current(page, 'approach')
  await say(page, 'Evening. I am on the guest list, Sam Reyes.', 1)
  t.match(await trace(page, 1), /approach → guest_list/)
  await current(page, 'guest_list')
  const evaluations = fake.requests.filter((r) => r.kind === 'chat' && roleOf(r) === 'evaluate')
  t.match(evaluations.at(-1)!.system, EDITED_CONDITION, 'the playtest ran the saved edit')
  t.equal(evaluations.at(-1)!.headers.authorization, 'Bearer sk-console-session-key', 'the session\'s LLM key reached the provider')
  await say(page, 'Margo invited me herself, we go back years.', 2)
  t.match(await trace(page, 2), /guest_list → vibe_check/)
  await current(page, 'vibe_check')
  await say(page, 'I came for the music, the DJ tonight is a legend.', 3)
  const third = await trace(page, 3)
  t.match(third, /vibe_check → inside/)
  t.match(third, /Score3 → 5/)
  t.match(third, /The line matches: genuine respect\./)
  t.match(third, /evaluate: gpt-4o-mini · \d+ → \d+ tokens · \d+ ms/)
  t.match(third, /reply: gpt-4o-mini · 120 → 9 tokens/)
  await current(page, 'inside')
  await page.getByTestId('playtest-outcome').getByText('Ended: ACCEPT').waitFor()
  await shot(page, 'console-playtest')

  // rewind to turn 1: the session restarts, turn 1 is replayed, and another line at turn 2 goes elsewhere
  await page.getByRole('button', { name: 'Rewind to turn 1' }).click()
  await page.getByTestId('turn-2').waitFor({ state: 'detached' })
  await page.getByTestId('turn-1').getByText('replayed', { exact: true }).waitFor()
  await current(page, 'guest_list')
  await say(page, 'Honestly, I forgot who invited me.', 2)
  t.match(await trace(page, 2), /guest_list → approach/)
  t.match(await trace(page, 2), /Decisionreject/)
  await current(page, 'approach')
  t.equal(await page.getByTestId('playtest-outcome').count(), 0, 'the conversation goes on instead of ending ACCEPT')

  const history = await page.evaluate(async (id) => {
    const res = await fetch(`/api/v1/chat/${id}/history?user_session_id=console-playtest`, { headers: { authorization: `Bearer ${localStorage.getItem('rapport.console.token')}` } })
    return res.json()
  }, personaId)
  t.same(history.messages.map((m: { role: string }) => m.role), ['assistant', 'user', 'assistant', 'user', 'assistant'], 'the server holds the rewound conversation')
  t.same(errors, [], 'no console errors')
  t.same(failedRequests, [`400 POST /api/v1/personas/${personaId}/publish`], 'the refused publish was the only failed request')
})

const IDENTITY = { name: 'Brannoc', description: 'A dwarf smith who writes poems.', persona_identity_prompt: 'You are Brannoc, a grumpy dwarf smith.' }
const MACHINE = {
  machine_key: 'forge',
  name: 'The Forge',
  is_entry: true,
  chat_system_prompt: 'Brannoc is at the anvil.',
  states: [
    { state_key: 'anvil', label: 'At the anvil', prompt_instruction: 'Grumble.', is_initial_state: true },
    { state_key: 'sword', label: 'Sword promised', prompt_instruction: 'Promise the sword.', is_terminal_state: true },
    { state_key: 'door', label: 'Shown the door', prompt_instruction: 'Point at the door.', is_terminal_state: true }
  ],
  transitions: [
    { from_state_key: 'anvil', to_state_key: 'sword', decision_type: 'pass', condition: 'The player praises a poem', score_delta: 3, priority: 0 },
    { from_state_key: 'anvil', to_state_key: 'door', decision_type: 'kick_out', condition: 'The player mocks the poems', score_delta: 0, priority: 1 }
  ]
}

t.test('AI assistance, keyboard editing and the unsaved-changes guard in the console', async (t) => {
  const { url, fake, page, errors, failedRequests } = await startHarness(t)
  mkdirSync('test-output', { recursive: true })
  const seen: string[] = []
  fake.setDefault((req) => {
    seen.push(String(req.headers.authorization))
    if (req.system.startsWith('You design characters')) return { json: IDENTITY }
    if (req.system.startsWith('You design conversation scenarios')) return { json: MACHINE }
    if (req.system.startsWith('You are an editor')) return { text: 'You are Brannoc, a grumpy dwarf smith with a poet\'s heart.' }
    return { text: 'Hm.' }
  })

  // a guest is told what guests can do, then signs out
  await page.goto(`${url}/console/`)
  await page.screenshot({ path: 'test-output/console-sign-in.png' })
  await page.getByRole('button', { name: 'Continue as a guest' }).click()
  await page.getByText('You are signed in as a guest').waitFor()
  await page.getByRole('button', { name: 'Sign out' }).click()

  await page.getByRole('tab', { name: 'Register' }).click()
  await page.getByLabel('Email').fill('maker@example.com')
  await page.getByLabel('Password').fill('a long password')
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByRole('button', { name: 'LLM key' }).click()
  await page.getByLabel('API key').fill('sk-authoring-key')
  await page.getByRole('button', { name: 'Save for this session' }).click()

  await page.screenshot({ path: 'test-output/console-personas.png' })

  // concept → identity → a new persona, opened in the editor
  await page.getByLabel('Concept').fill('a grumpy dwarf blacksmith who secretly writes poetry')
  await page.getByRole('button', { name: 'Generate identity' }).click()
  await page.getByRole('heading', { name: 'Brannoc', level: 1 }).waitFor()

  // polish the identity prompt in place
  await page.getByRole('tab', { name: 'Persona' }).click()
  await page.getByRole('button', { name: 'Polish Identity prompt with AI' }).click()
  await page.getByRole('textbox', { name: 'Identity prompt' }).filter({ hasText: 'poet\'s heart' }).waitFor()
  await page.getByText('Unsaved changes').waitFor()
  await page.screenshot({ path: 'test-output/console-persona-panel.png' })

  // leaving with unsaved changes asks first; choosing to stay keeps the page and the edit
  page.removeAllListeners('dialog')
  const asked: string[] = []
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss().catch(() => {}) })
  await page.getByRole('link', { name: 'API keys' }).click()
  t.match(asked, [/unsaved changes/])
  t.match(page.url(), /\/console\/personas\//)
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss().catch(() => {}) })
  await page.goBack()
  for (let i = 0; i < 100 && asked.length < 2; i++) await page.waitForTimeout(100)
  t.equal(asked.length, 2, 'the browser\'s Back asks too')
  await page.getByText('Unsaved changes').waitFor()
  t.match(page.url(), /\/console\/personas\//)
  page.on('dialog', (d) => { d.accept().catch(() => {}) })

  // a generated machine joins the draft as a new tab
  await page.getByLabel('Idea').fill('the player wants a sword by nightfall')
  await page.getByRole('button', { name: 'Generate machine with AI' }).click()
  await page.getByRole('tab', { name: /The Forge/ }).waitFor()
  await page.getByTestId('state-anvil').waitFor()

  // keyboard: focus a state on the canvas, Enter selects it, Delete removes it with its transitions
  await page.locator('.react-flow__node[data-id="door"]').focus()
  await page.keyboard.press('Enter')
  await page.getByRole('heading', { name: 'State door' }).waitFor()
  await page.keyboard.press('Delete')
  await page.getByTestId('state-door').waitFor({ state: 'detached' })
  t.equal(await page.getByTestId('edge-anvil-door-kick_out').count(), 0, 'its transition went with it')

  await page.getByRole('button', { name: 'Save', exact: true }).click()
  await page.getByText(/^Saved\./).waitFor()
  await page.reload()
  await page.getByRole('tab', { name: /The Forge/ }).click()
  await page.getByTestId('state-sword').waitFor()
  t.equal(await page.getByTestId('state-door').count(), 0, 'the saved graph has no door state')
  await page.getByRole('tab', { name: 'Persona' }).click()
  t.match(await page.getByRole('textbox', { name: 'Identity prompt' }).inputValue(), /poet's heart/)

  t.ok(seen.length >= 3 && seen.every((h) => h === 'Bearer sk-authoring-key'), 'every LLM call carried the session\'s key')
  t.same(errors, [], 'no console errors')
  t.same(failedRequests, [], 'no failed requests')
})

async function drag (page: Page, from: string, to: string) {
  const a = (await page.locator(from).boundingBox())!
  const b = (await page.locator(to).boundingBox())!
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 })
  await page.mouse.up()
}

async function say (page: Page, line: string, turn: number) {
  await page.getByLabel('Your line').fill(line)
  await page.getByRole('button', { name: 'Send' }).click()
  await page.getByTestId(`turn-${turn}`).locator('.trace dd', { hasText: 'gpt-4o-mini' }).first().waitFor()
}

async function trace (page: Page, turn: number) {
  return (await page.getByTestId(`turn-${turn}`).locator('.trace').textContent()) ?? ''
}

async function current (page: Page, state: string) {
  await page.locator(`[data-testid="state-${state}"][data-current="true"]`).waitFor()
  await page.getByTestId('playtest-state').getByText(state, { exact: true }).waitFor()
}

// The persona editor: machine tabs, the graph canvas, side panels, save / validate / publish, AI scenario generation and the playtest.
import { useEffect, useState } from 'react'
import { call } from '../api.ts'
import { setLeaveGuard } from '../router.ts'
import type { GeneratedScenario, Graph, PersonaFull, SavedPersona, ValidationResult } from '../types.ts'
import { addMachine, addState, addTransition, fromFull, removeMachine, removeStates, removeTransitions, updateMachineFields, updateState, updateTransition } from './draft.ts'
import { resolveFindings, type Finding } from './issues.ts'
import { GraphView, type Selection } from './graph-view.tsx'
import { FindingList, MachinePanel, StatePanel, TransitionPanel } from './panels.tsx'
import { PersonaPanel } from './persona-panel.tsx'
import { Playtest } from '../playtest/playtest.tsx'

type SideTab = 'inspect' | 'playtest' | 'findings'

export function Editor ({ personaId }: { personaId: string }) {
  const [full, setFull] = useState<PersonaFull | null>(null)
  const [graph, setGraph] = useState<Graph | null>(null)
  const [dirty, setDirty] = useState(false)
  const [machineKey, setMachineKey] = useState('')
  const [selection, setSelection] = useState<Selection>({ kind: 'machine' })
  const [findings, setFindings] = useState<Finding[] | null>(null)
  const [status, setStatus] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [tab, setTab] = useState<SideTab>('inspect')
  const [live, setLive] = useState<{ machineKey: string, state: string } | null>(null)
  const [idea, setIdea] = useState('')

  function loaded (f: PersonaFull) {
    const g = fromFull(f)
    setFull(f)
    setGraph(g)
    setDirty(false)
    setMachineKey((k) => g.machines.some((m) => m.machine_key === k) ? k : (g.machines[0]?.machine_key ?? ''))
    return g
  }
  useEffect(() => { call<PersonaFull>('GET', `/personas/${personaId}/full`).then(loaded, (err: Error) => setError(err.message)) }, [personaId])

  useEffect(() => {
    if (!dirty) { setLeaveGuard(null); return }
    const warn = (e: BeforeUnloadEvent) => { e.preventDefault() }
    window.addEventListener('beforeunload', warn)
    setLeaveGuard(() => window.confirm('You have unsaved changes. Leave and lose them?'))
    return () => { window.removeEventListener('beforeunload', warn); setLeaveGuard(null) }
  }, [dirty])

  if (error && !graph) return <section className='page'><p role='alert' className='error'>{error}</p></section>
  if (!graph || !full) return <p className='loading'>Loading…</p>
  const g = graph
  const machine = g.machines.find((m) => m.machine_key === machineKey) ?? null
  const edit = (next: Graph) => { setGraph(next); setDirty(true); setStatus('') }
  const all = findings ?? []

  async function run (label: string, fn: () => Promise<void>) {
    setBusy(true)
    setError('')
    setStatus(label)
    try { await fn() } catch (err) { setError((err as Error).message); setStatus('') } finally { setBusy(false) }
  }
  const validate = (against: Graph) => run('Validating…', async () => {
    const result = await call<ValidationResult>('GET', `/personas/${personaId}/validate`)
    setFindings(resolveFindings(result, against))
    setStatus(result.errors.length === 0 ? `Valid: ${result.warnings.length} warning(s)` : `${result.errors.length} error(s) block publishing`)
    if (result.errors.length > 0 || result.warnings.length > 0) setTab('findings')
  })
  const save = () => run('Saving…', async () => {
    const saved = await call<SavedPersona>('POST', `/creator/save?persona_id=${personaId}`, g)
    const next = loaded(saved)
    const result = await call<ValidationResult>('GET', `/personas/${personaId}/validate`)
    setFindings(resolveFindings(result, next))
    setStatus(`Saved. ${result.errors.length} error(s), ${result.warnings.length} warning(s)`)
  })
  const publish = (on: boolean) => run(on ? 'Publishing…' : 'Unpublishing…', async () => {
    try {
      await call('POST', `/personas/${personaId}/${on ? 'publish' : 'unpublish'}`)
    } catch (err) {
      await validate(g)
      throw err
    }
    setFull({ ...full, persona: { ...full.persona, is_published: on } })
    setStatus(on ? 'Published' : 'Unpublished: back to draft')
  })
  const generateMachine = () => run('Generating a scenario…', async () => {
    const res = await call<GeneratedScenario>('POST', '/creator/generate-scenario', { persona_id: personaId, idea: idea || null }, { llm: true })
    const { graph: next, machineKey: key } = addMachine(g, { ...res.machine, transitions: res.machine.transitions ?? [], output_variables: res.machine.output_variables ?? [] })
    edit(next)
    setMachineKey(key)
    setSelection({ kind: 'machine' })
    setStatus(`Generated machine ${key}: review it, then save`)
  })

  const select = (s: Selection) => { setSelection(s); if (s.kind !== 'machine' || tab === 'findings') setTab('inspect') }
  const machineFindings = machine ? all.filter((f) => f.machineKey === machine.machine_key) : []
  let panel = null
  if (selection.kind === 'persona') {
    panel = <PersonaPanel graph={g} findings={all.filter((f) => f.machineKey === null)} onChange={edit} />
  } else if (machine && selection.kind === 'state' && machine.states.some((s) => s.state_key === selection.key)) {
    const state = machine.states.find((s) => s.state_key === selection.key)!
    panel = (
      <StatePanel
        machine={machine} state={state} findings={machineFindings.filter((f) => f.stateKey === state.state_key)}
        onChange={(patch) => { edit(updateState(g, machine.machine_key, state.state_key, patch)); if (patch.state_key !== undefined) setSelection({ kind: 'state', key: patch.state_key }) }}
        onDelete={() => { edit(removeStates(g, machine.machine_key, [state.state_key])); setSelection({ kind: 'machine' }) }}
        onAddTransition={(to) => { const r = addTransition(g, machine.machine_key, state.state_key, to); edit(r.graph); setSelection({ kind: 'transition', id: r.transitionId }) }}
      />
    )
  } else if (machine && selection.kind === 'transition' && machine.transitions.some((t) => t.transition_id === selection.id)) {
    const tr = machine.transitions.find((t) => t.transition_id === selection.id)!
    panel = (
      <TransitionPanel
        machine={machine} transition={tr} findings={machineFindings.filter((f) => f.transitionId === tr.transition_id)}
        onChange={(patch) => edit(updateTransition(g, machine.machine_key, selection.id, patch))}
        onDelete={() => { edit(removeTransitions(g, machine.machine_key, [selection.id])); setSelection({ kind: 'machine' }) }}
      />
    )
  } else if (machine) {
    panel = (
      <MachinePanel
        machine={machine} findings={machineFindings.filter((f) => !f.stateKey && !f.transitionId)}
        onChange={(patch) => { edit(updateMachineFields(g, machine.machine_key, patch)); if (patch.machine_key !== undefined) setMachineKey(patch.machine_key) }}
        onDelete={() => { if (window.confirm(`Delete machine ${machine.machine_key}? Its sessions are deleted on save.`)) { edit(removeMachine(g, machine.machine_key)); setMachineKey(g.machines.find((m) => m !== machine)?.machine_key ?? '') } }}
      />
    )
  }
  const errorCount = all.filter((f) => f.level === 'error').length
  const machineId = full.machines.find((m) => m.machine_key === machineKey)?.machine_id ?? null

  return (
    <div className='editor'>
      <div className='toolbar' role='toolbar' aria-label='Persona actions'>
        <h1>{g.persona.name}</h1>
        <span className={full.persona.is_published ? 'badge ok' : 'badge'}>{full.persona.is_published ? 'published' : 'draft'}</span>
        {dirty && <span className='badge warn' role='status'>Unsaved changes</span>}
        <div className='spacer' />
        <span className='status' role='status' aria-live='polite'>{status}</span>
        <button type='button' className='primary' disabled={busy || !dirty} onClick={() => { save() }}>Save</button>
        <button type='button' disabled={busy} onClick={() => { validate(g) }}>Validate</button>
        <button type='button' disabled={busy || dirty} title={dirty ? 'Save first' : undefined} onClick={() => { publish(!full.persona.is_published) }}>{full.persona.is_published ? 'Unpublish' : 'Publish'}</button>
      </div>
      {error && <p role='alert' className='error banner'>{error}</p>}
      <div className='machine-tabs' role='tablist' aria-label='Machines'>
        <button type='button' role='tab' aria-controls='workspace' aria-selected={selection.kind === 'persona'} onClick={() => select({ kind: 'persona' })}>Persona</button>
        {g.machines.map((m) => (
          <button
            key={m.machine_key} type='button' role='tab' aria-selected={selection.kind !== 'persona' && m.machine_key === machineKey}
            onClick={() => { setMachineKey(m.machine_key); select({ kind: 'machine' }) }}
          >
            {m.name} <code>{m.machine_key}</code>{m.is_entry ? ' · entry' : ''}{all.some((f) => f.level === 'error' && f.machineKey === m.machine_key) ? ' ⚠' : ''}
          </button>
        ))}
        <button type='button' onClick={() => { const r = addMachine(g); edit(r.graph); setMachineKey(r.machineKey); select({ kind: 'machine' }) }}>+ Machine</button>
        <span className='spacer' />
        <label className='inline'>Idea <input value={idea} onChange={(e) => setIdea(e.target.value)} placeholder='what the scenario is about' /></label>
        <button type='button' disabled={busy} onClick={() => { generateMachine() }}>Generate machine with AI</button>
      </div>
      <div className='workspace' id='workspace' role='tabpanel' aria-label='Machine editor'>
        {machine
          ? (
            <div className='canvas-column'>
              <div className='canvas-actions'>
                <button type='button' onClick={() => { const r = addState(g, machine.machine_key); edit(r.graph); select({ kind: 'state', key: r.stateKey }) }}>+ State</button>
                <span className='hint'>Drag from a state’s right handle to another state to add a transition; select and press Delete to remove.</span>
              </div>
              <GraphView
                key={machine.machine_key} machine={machine} findings={machineFindings} selection={selection}
                currentState={live && live.machineKey === machine.machine_key ? live.state : null}
                onSelect={select}
                onConnect={(from, to) => { const r = addTransition(g, machine.machine_key, from, to); edit(r.graph); select({ kind: 'transition', id: r.transitionId }) }}
                onDelete={(states, transitions) => { edit(removeStates(removeTransitions(g, machine.machine_key, transitions), machine.machine_key, states)); setSelection({ kind: 'machine' }) }}
              />
            </div>)
          : <div className='canvas-column'><p>No machine: add one.</p></div>}
        <aside className='side'>
          <div role='tablist' aria-label='Side panel' className='tabs'>
            <button type='button' role='tab' id='tab-inspect' aria-controls='panel-inspect' aria-selected={tab === 'inspect'} onClick={() => setTab('inspect')}>Inspector</button>
            <button type='button' role='tab' id='tab-playtest' aria-controls='panel-playtest' aria-selected={tab === 'playtest'} onClick={() => setTab('playtest')}>Playtest</button>
            <button type='button' role='tab' id='tab-findings' aria-controls='panel-findings' aria-selected={tab === 'findings'} onClick={() => setTab('findings')}>Findings{findings ? ` (${errorCount})` : ''}</button>
          </div>
          <div className='side-body' role='tabpanel' id='panel-inspect' aria-labelledby='tab-inspect' hidden={tab !== 'inspect'}>{panel}</div>
          <div className='side-body' role='tabpanel' id='panel-findings' aria-labelledby='tab-findings' hidden={tab !== 'findings'}>
            {findings === null ? <p>Run Validate to check the graph.</p> : findings.length === 0 ? <p>No errors, no warnings.</p> : <FindingList findings={findings} />}
          </div>
          <div className='side-body' role='tabpanel' id='panel-playtest' aria-labelledby='tab-playtest' hidden={tab !== 'playtest'}>
            {machine && (
              <Playtest
                key={`${personaId}:${machineKey}`} personaId={personaId} machineId={machineId} machine={machine} dirty={dirty}
                onState={(state) => setLive(state === null ? null : { machineKey: machine.machine_key, state })}
              />
            )}
          </div>
        </aside>
      </div>
    </div>
  )
}

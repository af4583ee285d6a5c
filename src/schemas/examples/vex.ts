// The Vex persona (examples/vex-bouncer.json) as the API returns it once saved: persona row, ids on machines and transitions.
import { existsSync, readFileSync } from 'node:fs'

// src/schemas/examples/ under tsx, dist/src/schemas/examples/ once compiled (npm run build)
const file = ['../../../examples/vex-bouncer.json', '../../../../examples/vex-bouncer.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u))!

/** The save body of the example persona, exactly as shipped in examples/. */
export const VEX_SAVE_BODY = JSON.parse(readFileSync(file, 'utf8'))

export const VEX_ID = '95d8ff77-e0c2-4ce0-a7c3-87e9f09bde60'
export const OWNER_ID = 'a82824e5-4f66-4b8c-95e3-0ea353670106'
const MACHINE_IDS = ['59a91107-bc4a-4add-a5a6-d06932565ad9', '8008a740-f427-4a4a-b5e0-9051dffa0b05']
const transitionId = (m: number, t: number) => `0c5e7a52-3b1f-4d2e-9a6c-${(m * 100 + t).toString(16).padStart(12, '0')}`

/** The persona row (owner view); is_published as given. */
export function vexPersona (isPublished: boolean) {
  return {
    id: VEX_ID,
    owner_id: OWNER_ID,
    ...VEX_SAVE_BODY.persona,
    is_published: isPublished,
    created_at: '2026-12-01T16:38:58.304Z',
    updated_at: '2026-12-01T16:38:58.304Z'
  }
}

/** The full graph: what GET /personas/{id}/full and POST /creator/save return. */
export function vexGraph () {
  return {
    persona: vexPersona(false),
    variables: VEX_SAVE_BODY.variables,
    machines: VEX_SAVE_BODY.machines.map((machine: Record<string, any>, m: number) => ({
      machine_id: MACHINE_IDS[m],
      ...machine,
      transitions: machine.transitions.map((t: Record<string, unknown>, i: number) => ({ transition_id: transitionId(m, i), ...t }))
    })),
    machine_links: VEX_SAVE_BODY.machine_links
  }
}

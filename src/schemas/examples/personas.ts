// Examples for the persona and creator operations on the Vex persona (examples/vex-bouncer.json).
import type { OperationExamples } from './types.ts'
import { VEX_ID, VEX_SAVE_BODY, vexGraph, vexPersona } from './vex.ts'

const catalogEntry = ({ id, name, description, created_at: createdAt, updated_at: updatedAt }: Record<string, unknown>) =>
  ({ id, name, description, created_at: createdAt, updated_at: updatedAt })

export const personasExamples: Record<string, OperationExamples> = {
  listPersonas: { response: [vexPersona(true)] },
  getPersona: { response: vexPersona(true) },
  getPersonaFull: { response: vexGraph() },
  validatePersona: { response: { errors: [], warnings: [] } },
  publishPersona: { response: vexPersona(true) },
  unpublishPersona: { response: vexPersona(false) },
  savePersona: { request: VEX_SAVE_BODY, response: { ...vexGraph(), warnings: [] } },
  generateIdentity: {
    request: { concept: 'a calm, dry-witted bouncer at an underground electronic club who has seen every trick in the book' },
    response: {
      name: VEX_SAVE_BODY.persona.name,
      description: VEX_SAVE_BODY.persona.description,
      persona_identity_prompt: VEX_SAVE_BODY.persona.persona_identity_prompt
    }
  },
  generateScenario: {
    request: { persona_id: VEX_ID, idea: 'It\'s 1 a.m. and the player wants to get past Vex and into the club tonight.' },
    response: { machine: VEX_SAVE_BODY.machines[0], warnings: [] }
  },
  polishText: {
    request: { text: 'vex is the bouncer, shes calm and not easy to impress. seen every trick', field: 'description' },
    response: { text: 'Vex runs the door: calm, hard to impress, and has seen every trick in the book.' }
  },
  adminListPersonas: { response: [vexPersona(true)] },
  adminUnpublishPersona: { response: vexPersona(false) },
  sdkListPersonas: { response: [catalogEntry(vexPersona(true))] }
}

// Validator findings resolved from their paths (machines[0].states[2]) to the keys the editor draws.
import type { Graph, ValidationIssue, ValidationResult } from '../types.ts'

export interface Finding {
  level: 'error' | 'warning'
  code: string
  message: string
  machineKey: string | null
  stateKey: string | null
  transitionId: string | null
}

const PATH = /^machines\[(\d+)\](?:\.(states|transitions)\[(\d+)\])?/

/** Resolves each finding against the graph its paths index into (the one just saved or loaded). */
export function resolveFindings (result: ValidationResult, graph: Graph): Finding[] {
  const one = (level: Finding['level']) => (issue: ValidationIssue): Finding => {
    const f: Finding = { level, code: issue.code, message: issue.message, machineKey: null, stateKey: null, transitionId: null }
    const match = PATH.exec(issue.path)
    if (!match) return f
    const machine = graph.machines[Number(match[1])]
    if (!machine) return f
    f.machineKey = machine.machine_key
    if (match[2] === 'states') f.stateKey = machine.states[Number(match[3])]?.state_key ?? null
    if (match[2] === 'transitions') f.transitionId = machine.transitions[Number(match[3])]?.transition_id ?? null
    return f
  }
  return [...result.errors.map(one('error')), ...result.warnings.map(one('warning'))]
}

export const findingsFor = (findings: Finding[], machineKey: string, test: (f: Finding) => boolean) =>
  findings.filter((f) => f.machineKey === machineKey && test(f))

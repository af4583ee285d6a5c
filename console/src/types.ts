// API types of the console, taken from the generated OpenAPI types (openapi/openapi.json is the one contract).
import type { components } from './generated/openapi.d.ts'

type S = components['schemas']
export type User = S['User']
export type Me = S['Me']
export type AuthResponse = S['AuthResponse']
export type ApiKey = S['ApiKey']
export type CreatedApiKey = S['CreatedApiKey']
export type Persona = S['Persona']
export type PersonaFull = S['PersonaFull']
export type SavedPersona = S['SavedPersona']
export type SaveBody = S['SaveBody']
export type MachineInput = S['MachineInput']
export type StateInput = S['StateInput']
export type TransitionInput = S['TransitionInput']
export type MachineLinkInput = S['MachineLinkInput']
export type OutputVariableInput = S['OutputVariableInput']
export type PersonaVariableInput = S['PersonaVariableInput']
export type ValidationIssue = S['ValidationIssue']
export type ValidationResult = S['ValidationResult']
export type SessionInit = S['SessionInit']
export type ChatResponse = S['ChatResponse']
export type StreamMetadata = S['StreamMetadata']
export type ChatHistory = S['ChatHistory']
export type SessionStatus = S['SessionStatus']
export type HistoryMessage = S['HistoryMessage']
export type TurnTrace = S['TurnTrace']
export type MachineInfo = S['MachineInfo']
export type GeneratedIdentity = S['GeneratedIdentity']
export type GeneratedScenario = S['GeneratedScenario']
export type Decision = TransitionInput['decision_type']

/** The editor's working copy: the save body with every machine's lists present. */
export interface Graph {
  persona: SaveBody['persona']
  variables: PersonaVariableInput[]
  machines: Array<MachineInput & { transitions: TransitionInput[], output_variables: OutputVariableInput[] }>
  machine_links: MachineLinkInput[]
}
export type GraphMachine = Graph['machines'][number]

// Request and response types, taken from the types generated out of openapi/openapi.json (never written twice).
import type { components } from './generated/openapi.js'

type Schemas = components['schemas']

export type SdkPersona = Schemas['SdkPersona']
export type SessionInit = Schemas['SessionInit']
export type ChatResponse = Schemas['ChatResponse']
export type StreamMetadata = Schemas['StreamMetadata']
export type SessionStatus = Schemas['SessionStatus']
export type ChatHistory = Schemas['ChatHistory']
export type HistoryMessage = Schemas['HistoryMessage']
export type TurnTrace = Schemas['TurnTrace']
export type ResetResponse = Schemas['ResetResponse']
export type MachineInfo = Schemas['MachineInfo']
export type UnlockedMachine = Schemas['UnlockedMachine']
export type KeyValidation = Schemas['KeyValidation']
export type PlayerGender = Schemas['InitSessionBody']['player_gender']

/** The events of a streamed message (SPEC §7), in order: metadata, text_delta…, then done or error. */
export type StreamEvent =
  | { type: 'metadata', data: StreamMetadata }
  | { type: 'text_delta', data: { text: string } }
  | { type: 'done', data: ChatResponse }
  | { type: 'error', data: { error: { message: string } } }

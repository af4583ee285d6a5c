// Request and response types, taken from the types generated out of openapi/openapi.json (never written twice).
import type { components, operations } from './generated/openapi.js'

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

type WireEvent = Schemas['ChatStreamEvent']

/**
 * The events of a streamed message (SPEC §7), in order: metadata, text_delta…, then done or error.
 * Derived from the document's ChatStreamEvent: `type` is the SSE event name, `data` its JSON.
 */
export type StreamEvent = { [E in WireEvent['event']]: { type: E, data: Extract<WireEvent, { event: E }>['data'] } }[WireEvent['event']]

/** Request headers of an SDK turn, as the document names them (the SDK's header names are checked against it). */
export type TurnHeaderName = Lowercase<keyof NonNullable<operations['sdkSendMessage']['parameters']['header']> & string>

/** Request bodies and queries as the document defines them. */
export type InitSessionBody = Schemas['InitSessionBody']
export type MessageBody = Schemas['MessageBody']
export type ValidateKeyBody = Schemas['ValidateKeyBody']
export type HistoryQuery = NonNullable<operations['sdkGetHistory']['parameters']['query']>

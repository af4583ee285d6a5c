// Schemas for AI-assisted authoring: generate-identity, generate-scenario, polish.
import { Type } from '@sinclair/typebox'
import { Nullable, Uuid, ref } from './common.ts'
import { MachineInput, ValidationIssue } from './personas.ts'

export const GenerateIdentityBody = Type.Object({
  concept: Type.String({ minLength: 1, maxLength: 2000, description: 'A short concept of the character, e.g. "a grumpy dwarf blacksmith who secretly writes poetry"' })
}, { $id: 'GenerateIdentityBody', description: 'What to generate a persona identity from' })

export const GeneratedIdentityResponse = Type.Object({
  name: Type.String({ description: 'Suggested name' }),
  description: Type.String({ description: 'Suggested public description' }),
  persona_identity_prompt: Type.String({ description: 'Suggested identity prompt (second person)' })
}, { $id: 'GeneratedIdentity', description: 'A generated persona identity, ready for the persona part of creator/save' })

export const GenerateScenarioBody = Type.Object({
  persona_id: Type.Optional(Nullable(Uuid('An existing persona of yours to write the scenario for'))),
  persona: Type.Optional(Nullable(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Character name' }),
    description: Type.Optional(Type.String({ maxLength: 2000, description: 'Public description' })),
    persona_identity_prompt: Type.Optional(Type.String({ maxLength: 20000, description: 'Identity prompt' }))
  }, { description: 'A persona not saved yet' }))),
  idea: Type.Optional(Nullable(Type.String({ maxLength: 2000 }), 'What the scenario should be about (optional)'))
}, { $id: 'GenerateScenarioBody', description: 'Give persona_id or persona (exactly one), and optionally an idea' })

export const GeneratedScenario = Type.Object({
  machine: ref(MachineInput),
  warnings: Type.Array(ref(ValidationIssue), { description: 'Validator findings that do not block publishing' })
}, { $id: 'GeneratedScenario', description: 'One generated machine that passes the validator: put it in the machines array of creator/save' })

export const PolishBody = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 20000, description: 'The text to rewrite' }),
  field: Type.Optional(Nullable(Type.Union([
    Type.Literal('persona_identity_prompt'), Type.Literal('prompt_instruction'), Type.Literal('condition'),
    Type.Literal('description'), Type.Literal('chat_system_prompt'), Type.Literal('general')
  ]), 'Which kind of field the text is, to tune the rewrite (default general)')),
  instruction: Type.Optional(Nullable(Type.String({ maxLength: 1000 }), 'Extra instruction, e.g. "make it friendlier"'))
}, { $id: 'PolishBody', description: 'Text to polish' })

export const PolishResponse = Type.Object({
  text: Type.String({ description: 'The rewritten text' })
}, { $id: 'PolishResponse', description: 'The polished text' })

/** Every named authoring schema, for addSchemas. */
export const authoringSchemas = [GenerateIdentityBody, GeneratedIdentityResponse, GenerateScenarioBody, GeneratedScenario, PolishBody, PolishResponse]

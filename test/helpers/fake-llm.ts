// The fake LLM server for tests; it lives in tools/fake-llm.ts because bench/ and the SDK conformance launcher use it too.
export * from '../../tools/fake-llm.ts'

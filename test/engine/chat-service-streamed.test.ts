// The chat service suite (chat-service.test.ts) again under the streamed pipeline: decided from the streamed evaluation, no speculative reply.
process.env.RAPPORT_TEST_PIPELINE = 'streamed'
await import('./chat-service.test.ts')

// The chat service suite (chat-service.test.ts, default pipeline: sequential) again under the streamed pipeline with speculative replies.
process.env.RAPPORT_TEST_PIPELINE = 'speculative'
await import('./chat-service.test.ts')

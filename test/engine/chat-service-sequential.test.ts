// The chat service suite (chat-service.test.ts, default pipeline: streamed with speculative replies) again under the sequential pipeline: the whole evaluation, then the reply.
process.env.RAPPORT_TEST_PIPELINE = 'sequential'
await import('./chat-service.test.ts')

// The chat service suite (chat-service.test.ts, default pipeline: streamed with speculative replies) again under the streamed pipeline without speculative replies.
process.env.RAPPORT_TEST_PIPELINE = 'streamed'
await import('./chat-service.test.ts')

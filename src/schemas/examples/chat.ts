// Examples for the chat operations: a real turn with Vex at the door of The Velvet Static.
import { type OperationExamples, GREETING, FIRST_REPLY, SECOND_REPLY, streamEvents } from './types.ts'

const STREAM_REQUEST = 'Sorry, I don\'t remember her last name. Can I at least tell you why I came?'
const streamMetadata = (sessionId: string) => ({
  current_state: 'guest_list', score: 1, outcome: null, decision: null, follow_up: true, session_id: sessionId, scoring_mode: 'scoring', redirect_count: 0, machine_completed: false, unlocked_machines: null
})

export const chatExamples: Record<string, OperationExamples> = {
  initSession: {
    request: { user_session_id: 'player-7f3a', player_name: 'Sam', player_gender: 'non-binary' },
    response: { session_id: 'b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1', user_session_id: 'player-7f3a', persona_name: 'Vex', persona_description: 'The bouncer of The Velvet Static, an underground club in a rain-soaked city. Talk your way past the rope, then maybe into the back room.', player_name: 'Sam', player_gender: 'non-binary', message: GREETING, machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9' }
  },
  sendMessage: {
    request: { user_session_id: 'player-7f3a', message: "Evening. I'm on the guest list, Margo invited me herself." },
    response: { message: FIRST_REPLY, current_state: 'guest_list', score: 1, outcome: null, decision: 'pass', follow_up: false, session_id: 'b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1', scoring_mode: 'scoring', redirect_count: 0, machine_completed: false, unlocked_machines: null }
  },
  getSession: {
    response: { session_id: 'b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1', persona_id: '95d8ff77-e0c2-4ce0-a7c3-87e9f09bde60', machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', current_state: 'guest_list', score: 1, outcome: null, player_name: 'Sam', player_gender: 'non-binary', started_at: '2026-12-01T16:38:58.874Z', last_message_at: '2026-12-01T16:38:59.745Z' }
  },
  getHistory: {
    response: { session_id: 'b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1', persona_id: '95d8ff77-e0c2-4ce0-a7c3-87e9f09bde60', machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', current_state: 'guest_list', score: 1, outcome: null, player_name: 'Sam', player_gender: 'non-binary', started_at: '2026-12-01T16:38:58.874Z', last_message_at: '2026-12-01T16:38:59.745Z', messages: [{ id: 'a3423450-2d4c-42f2-a19a-268400599210', role: 'assistant', content: GREETING, state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:38:58.874Z' }, { id: '776e8706-6fe8-46e2-b300-e28d186937b0', role: 'user', content: "Evening. I'm on the guest list, Margo invited me herself.", state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:38:58.941Z' }, { id: '289dd8ac-2e58-4a16-99a0-084672725878', role: 'assistant', content: FIRST_REPLY, state_key_at_time: 'guest_list', score_at_time: 1, decision: 'pass', follow_up_triggered: false, created_at: '2026-12-01T16:38:58.941Z' }, { id: 'e44dc42d-b03c-4a93-ad99-030b85086d69', role: 'user', content: "Sorry, I don't remember her last name. Can I at least tell you why I came?", state_key_at_time: 'guest_list', score_at_time: 1, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:38:59.745Z' }, { id: 'd6513474-1930-40e4-98d4-c61c4b61f6d3', role: 'assistant', content: SECOND_REPLY, state_key_at_time: 'guest_list', score_at_time: 1, decision: null, follow_up_triggered: true, created_at: '2026-12-01T16:38:59.745Z' }] }
  },
  listMachines: {
    response: [{ machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', machine_key: 'door', name: 'The Door', description: "It's 1 a.m., the queue is long and Vex decides who gets in.", has_session: true, session_outcome: null, is_linked: false }]
  },
  resetSession: {
    response: { session_id: 'b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1', message: 'Session reset' }
  },
  sdkInitSession: {
    request: { user_session_id: 'steam-76561198000000001', player_name: 'Sam', player_gender: 'non-binary' },
    response: { session_id: '105637bf-59d9-4a04-b18f-de978feb93f9', user_session_id: 'steam-76561198000000001', persona_name: 'Vex', persona_description: 'The bouncer of The Velvet Static, an underground club in a rain-soaked city. Talk your way past the rope, then maybe into the back room.', player_name: 'Sam', player_gender: 'non-binary', message: GREETING, machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9' }
  },
  sdkSendMessage: {
    request: { user_session_id: 'steam-76561198000000001', message: "Evening. I'm on the guest list, Margo invited me herself." },
    response: { message: FIRST_REPLY, current_state: 'guest_list', score: 1, outcome: null, decision: 'pass', follow_up: false, session_id: '105637bf-59d9-4a04-b18f-de978feb93f9', scoring_mode: 'scoring', redirect_count: 0, machine_completed: false, unlocked_machines: null }
  },
  sdkGetSession: {
    response: { session_id: '105637bf-59d9-4a04-b18f-de978feb93f9', persona_id: '95d8ff77-e0c2-4ce0-a7c3-87e9f09bde60', machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', current_state: 'guest_list', score: 1, outcome: null, player_name: 'Sam', player_gender: 'non-binary', started_at: '2026-12-01T16:39:00.235Z', last_message_at: '2026-12-01T16:39:00.965Z' }
  },
  sdkGetHistory: {
    response: { session_id: '105637bf-59d9-4a04-b18f-de978feb93f9', persona_id: '95d8ff77-e0c2-4ce0-a7c3-87e9f09bde60', machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', current_state: 'guest_list', score: 1, outcome: null, player_name: 'Sam', player_gender: 'non-binary', started_at: '2026-12-01T16:39:00.235Z', last_message_at: '2026-12-01T16:39:00.965Z', messages: [{ id: '325d16c0-b530-4ad2-8a02-7c384703aba4', role: 'assistant', content: GREETING, state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:39:00.235Z' }, { id: 'efd318f4-dfd3-4c75-b915-24edf4dd0348', role: 'user', content: "Evening. I'm on the guest list, Margo invited me herself.", state_key_at_time: 'approach', score_at_time: 0, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:39:00.273Z' }, { id: '73f1329c-c072-4f7a-87db-1a0381291cd8', role: 'assistant', content: FIRST_REPLY, state_key_at_time: 'guest_list', score_at_time: 1, decision: 'pass', follow_up_triggered: false, created_at: '2026-12-01T16:39:00.273Z' }, { id: 'b945bbe5-24d1-4628-9fa4-e01411f6ab6c', role: 'user', content: "Sorry, I don't remember her last name. Can I at least tell you why I came?", state_key_at_time: 'guest_list', score_at_time: 1, decision: null, follow_up_triggered: false, created_at: '2026-12-01T16:39:00.965Z' }, { id: '18b6b9a1-9da2-4a47-8a89-0c9bd5f79a0f', role: 'assistant', content: SECOND_REPLY, state_key_at_time: 'guest_list', score_at_time: 1, decision: null, follow_up_triggered: true, created_at: '2026-12-01T16:39:00.965Z' }] }
  },
  sdkListMachines: {
    response: [{ machine_id: '59a91107-bc4a-4add-a5a6-d06932565ad9', machine_key: 'door', name: 'The Door', description: "It's 1 a.m., the queue is long and Vex decides who gets in.", has_session: true, session_outcome: null, is_linked: false }]
  },
  sdkResetSession: {
    response: { session_id: '105637bf-59d9-4a04-b18f-de978feb93f9', message: 'Session reset' }
  },
  streamMessage: {
    request: { user_session_id: 'player-7f3a', message: STREAM_REQUEST },
    response: streamEvents(streamMetadata('b0a02c88-0a12-4cc3-a6b2-6cb63dcaf4b1'), SECOND_REPLY)
  },
  sdkStreamMessage: {
    request: { user_session_id: 'steam-76561198000000001', message: STREAM_REQUEST },
    response: streamEvents(streamMetadata('105637bf-59d9-4a04-b18f-de978feb93f9'), SECOND_REPLY)
  }
}

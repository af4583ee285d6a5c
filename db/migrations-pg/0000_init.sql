CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"last_four" text NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"last_used_at" timestamp(3) with time zone,
	"revoked_at" timestamp(3) with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"status" integer,
	"body" text,
	"created_at" bigint NOT NULL,
	CONSTRAINT "idempotency_keys_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "machine_links" (
	"persona_id" text NOT NULL,
	"position" integer NOT NULL,
	"from_machine_key" text NOT NULL,
	"to_machine_key" text NOT NULL,
	"condition_type" text NOT NULL,
	"condition_value" text,
	"is_auto_advance" boolean DEFAULT false NOT NULL,
	CONSTRAINT "machine_links_persona_id_position_pk" PRIMARY KEY("persona_id","position")
);
--> statement-breakpoint
CREATE TABLE "machine_output_variables" (
	"machine_id" text NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"extraction_prompt" text DEFAULT '' NOT NULL,
	CONSTRAINT "machine_output_variables_machine_id_position_pk" PRIMARY KEY("machine_id","position")
);
--> statement-breakpoint
CREATE TABLE "machines" (
	"id" text PRIMARY KEY NOT NULL,
	"persona_id" text NOT NULL,
	"machine_key" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"creator_objective" text DEFAULT '' NOT NULL,
	"creator_win_condition" text DEFAULT '' NOT NULL,
	"creator_lose_condition" text DEFAULT '' NOT NULL,
	"chat_system_prompt" text DEFAULT '' NOT NULL,
	"system_evaluation_prompt" text DEFAULT '' NOT NULL,
	"system_summarization_prompt" text DEFAULT '' NOT NULL,
	"scoring_mode" text DEFAULT 'scoring' NOT NULL,
	"pass_threshold" integer DEFAULT 3 NOT NULL,
	"fail_threshold" integer DEFAULT -3 NOT NULL,
	"is_entry" boolean DEFAULT false NOT NULL,
	"display_order" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"session_id" text NOT NULL,
	"seq" integer NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"state_key_at_time" text,
	"score_at_time" integer,
	"decision" text,
	"follow_up_triggered" boolean DEFAULT false NOT NULL,
	"trace" json,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "persona_variables" (
	"persona_id" text NOT NULL,
	"position" integer NOT NULL,
	"key" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"default_value" text DEFAULT '' NOT NULL,
	CONSTRAINT "persona_variables_persona_id_position_pk" PRIMARY KEY("persona_id","position")
);
--> statement-breakpoint
CREATE TABLE "personas" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"persona_identity_prompt" text DEFAULT '' NOT NULL,
	"perplexity_description" text,
	"is_published" boolean DEFAULT false NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "player_progress" (
	"scope" text NOT NULL,
	"persona_id" text NOT NULL,
	"user_session_id" text NOT NULL,
	"unlocked_machines" json DEFAULT '[]'::json NOT NULL,
	"completed_machines" json DEFAULT '{}'::json NOT NULL,
	"variables" json DEFAULT '{}'::json NOT NULL,
	"memory_summary" text DEFAULT '' NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "player_progress_scope_persona_id_user_session_id_pk" PRIMARY KEY("scope","persona_id","user_session_id")
);
--> statement-breakpoint
CREATE TABLE "server_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" json NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"persona_id" text NOT NULL,
	"machine_id" text NOT NULL,
	"user_session_id" text NOT NULL,
	"player_name" text NOT NULL,
	"player_gender" text NOT NULL,
	"current_state" text NOT NULL,
	"score" integer DEFAULT 0 NOT NULL,
	"outcome" text,
	"redirect_count" integer DEFAULT 0 NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"summarized_count" integer DEFAULT 0 NOT NULL,
	"message_count" integer DEFAULT 0 NOT NULL,
	"extraction_pending" boolean DEFAULT false NOT NULL,
	"started_at" timestamp(3) with time zone NOT NULL,
	"last_message_at" timestamp(3) with time zone
);
--> statement-breakpoint
CREATE TABLE "states" (
	"machine_id" text NOT NULL,
	"state_key" text NOT NULL,
	"position" integer NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"prompt_instruction" text DEFAULT '' NOT NULL,
	"is_initial_state" boolean DEFAULT false NOT NULL,
	"is_terminal_state" boolean DEFAULT false NOT NULL,
	"terminal_outcome" text,
	"follow_up_condition" text,
	"display_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "states_machine_id_state_key_pk" PRIMARY KEY("machine_id","state_key")
);
--> statement-breakpoint
CREATE TABLE "transitions" (
	"id" text PRIMARY KEY NOT NULL,
	"machine_id" text NOT NULL,
	"position" integer NOT NULL,
	"from_state_key" text NOT NULL,
	"to_state_key" text NOT NULL,
	"decision_type" text NOT NULL,
	"condition" text DEFAULT '' NOT NULL,
	"score_delta" integer DEFAULT 0 NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "turns" (
	"id" text PRIMARY KEY NOT NULL,
	"persona_id" text NOT NULL,
	"session_id" text NOT NULL,
	"tokens_in" integer DEFAULT 0 NOT NULL,
	"tokens_out" integer DEFAULT 0 NOT NULL,
	"wasted_tokens_in" integer DEFAULT 0 NOT NULL,
	"wasted_tokens_out" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text,
	"display_name" text,
	"role" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"password_hash" text,
	"created_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machine_links" ADD CONSTRAINT "machine_links_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machine_output_variables" ADD CONSTRAINT "machine_output_variables_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "machines" ADD CONSTRAINT "machines_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "persona_variables" ADD CONSTRAINT "persona_variables_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "personas" ADD CONSTRAINT "personas_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "player_progress" ADD CONSTRAINT "player_progress_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "states" ADD CONSTRAINT "states_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transitions" ADD CONSTRAINT "transitions_machine_id_machines_id_fk" FOREIGN KEY ("machine_id") REFERENCES "public"."machines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "turns" ADD CONSTRAINT "turns_persona_id_personas_id_fk" FOREIGN KEY ("persona_id") REFERENCES "public"."personas"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_unique" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "machines_persona_key_unique" ON "machines" USING btree ("persona_id","machine_key");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_session_seq_unique" ON "messages" USING btree ("session_id","seq");--> statement-breakpoint
CREATE INDEX "messages_created_at_idx" ON "messages" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "personas_owner_idx" ON "personas" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "personas_published_idx" ON "personas" USING btree ("is_published","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_identity_unique" ON "sessions" USING btree ("scope","persona_id","machine_id","user_session_id");--> statement-breakpoint
CREATE INDEX "sessions_started_at_idx" ON "sessions" USING btree ("started_at");--> statement-breakpoint
CREATE INDEX "transitions_machine_idx" ON "transitions" USING btree ("machine_id");--> statement-breakpoint
CREATE INDEX "turns_created_at_idx" ON "turns" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_unique" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_created_at_idx" ON "users" USING btree ("created_at");
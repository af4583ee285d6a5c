CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`last_four` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_user_idx` ON `api_keys` (`user_id`);--> statement-breakpoint
CREATE TABLE `machine_links` (
	`persona_id` text NOT NULL,
	`position` integer NOT NULL,
	`from_machine_key` text NOT NULL,
	`to_machine_key` text NOT NULL,
	`condition_type` text NOT NULL,
	`condition_value` text,
	`is_auto_advance` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`persona_id`, `position`),
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `machine_output_variables` (
	`machine_id` text NOT NULL,
	`position` integer NOT NULL,
	`key` text NOT NULL,
	`extraction_prompt` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`machine_id`, `position`),
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `machines` (
	`id` text PRIMARY KEY NOT NULL,
	`persona_id` text NOT NULL,
	`machine_key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`creator_objective` text DEFAULT '' NOT NULL,
	`creator_win_condition` text DEFAULT '' NOT NULL,
	`creator_lose_condition` text DEFAULT '' NOT NULL,
	`chat_system_prompt` text DEFAULT '' NOT NULL,
	`system_evaluation_prompt` text DEFAULT '' NOT NULL,
	`system_summarization_prompt` text DEFAULT '' NOT NULL,
	`scoring_mode` text DEFAULT 'scoring' NOT NULL,
	`pass_threshold` integer DEFAULT 3 NOT NULL,
	`fail_threshold` integer DEFAULT -3 NOT NULL,
	`is_entry` integer DEFAULT false NOT NULL,
	`display_order` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `machines_persona_key_unique` ON `machines` (`persona_id`,`machine_key`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`seq` integer NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`state_key_at_time` text,
	`score_at_time` integer,
	`decision` text,
	`follow_up_triggered` integer DEFAULT false NOT NULL,
	`trace` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_session_seq_unique` ON `messages` (`session_id`,`seq`);--> statement-breakpoint
CREATE INDEX `messages_created_at_idx` ON `messages` (`created_at`);--> statement-breakpoint
CREATE TABLE `persona_variables` (
	`persona_id` text NOT NULL,
	`position` integer NOT NULL,
	`key` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`default_value` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`persona_id`, `position`),
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `personas` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`persona_identity_prompt` text DEFAULT '' NOT NULL,
	`perplexity_description` text,
	`is_published` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `personas_owner_idx` ON `personas` (`owner_id`);--> statement-breakpoint
CREATE INDEX `personas_published_idx` ON `personas` (`is_published`,`created_at`);--> statement-breakpoint
CREATE TABLE `player_progress` (
	`scope` text NOT NULL,
	`persona_id` text NOT NULL,
	`user_session_id` text NOT NULL,
	`unlocked_machines` text DEFAULT '[]' NOT NULL,
	`completed_machines` text DEFAULT '{}' NOT NULL,
	`variables` text DEFAULT '{}' NOT NULL,
	`memory_summary` text DEFAULT '' NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`scope`, `persona_id`, `user_session_id`),
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`persona_id` text NOT NULL,
	`machine_id` text NOT NULL,
	`user_session_id` text NOT NULL,
	`player_name` text NOT NULL,
	`player_gender` text NOT NULL,
	`current_state` text NOT NULL,
	`score` integer DEFAULT 0 NOT NULL,
	`outcome` text,
	`redirect_count` integer DEFAULT 0 NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`summarized_count` integer DEFAULT 0 NOT NULL,
	`message_count` integer DEFAULT 0 NOT NULL,
	`started_at` text NOT NULL,
	`last_message_at` text,
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_identity_unique` ON `sessions` (`scope`,`persona_id`,`machine_id`,`user_session_id`);--> statement-breakpoint
CREATE INDEX `sessions_started_at_idx` ON `sessions` (`started_at`);--> statement-breakpoint
CREATE TABLE `states` (
	`machine_id` text NOT NULL,
	`state_key` text NOT NULL,
	`position` integer NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`prompt_instruction` text DEFAULT '' NOT NULL,
	`is_initial_state` integer DEFAULT false NOT NULL,
	`is_terminal_state` integer DEFAULT false NOT NULL,
	`terminal_outcome` text,
	`follow_up_condition` text,
	`display_order` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`machine_id`, `state_key`),
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `transitions` (
	`id` text PRIMARY KEY NOT NULL,
	`machine_id` text NOT NULL,
	`position` integer NOT NULL,
	`from_state_key` text NOT NULL,
	`to_state_key` text NOT NULL,
	`decision_type` text NOT NULL,
	`condition` text DEFAULT '' NOT NULL,
	`score_delta` integer DEFAULT 0 NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`machine_id`) REFERENCES `machines`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `transitions_machine_idx` ON `transitions` (`machine_id`);--> statement-breakpoint
CREATE TABLE `turns` (
	`id` text PRIMARY KEY NOT NULL,
	`persona_id` text NOT NULL,
	`session_id` text NOT NULL,
	`tokens_in` integer DEFAULT 0 NOT NULL,
	`tokens_out` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`persona_id`) REFERENCES `personas`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `turns_created_at_idx` ON `turns` (`created_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`display_name` text,
	`role` text NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`password_hash` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_created_at_idx` ON `users` (`created_at`);
ALTER TABLE `turns` ADD `wasted_tokens_in` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `turns` ADD `wasted_tokens_out` integer DEFAULT 0 NOT NULL;
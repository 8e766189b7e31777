CREATE TABLE `attachment` (
	`id` text PRIMARY KEY NOT NULL,
	`request_idx` integer NOT NULL,
	`uploader` text NOT NULL,
	`name` text NOT NULL,
	`size` integer NOT NULL,
	`content_type` text NOT NULL,
	`created_at` integer NOT NULL,
	`sent_client_msg_id` text,
	`unsent_since` integer
);
--> statement-breakpoint
CREATE INDEX `idx_attachment_uploader` ON `attachment` (`uploader`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_attachment_unsent` ON `attachment` (`unsent_since`);
CREATE TABLE `attachment` (
	`id` varchar(36) NOT NULL,
	`request_idx` bigint unsigned NOT NULL,
	`uploader` varchar(128) NOT NULL,
	`name` varchar(255) NOT NULL,
	`size` bigint unsigned NOT NULL,
	`content_type` varchar(255) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`sent_client_msg_id` varchar(128),
	`unsent_since` datetime(3),
	CONSTRAINT `attachment_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `idx_attachment_uploader` ON `attachment` (`uploader`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_attachment_unsent` ON `attachment` (`unsent_since`);
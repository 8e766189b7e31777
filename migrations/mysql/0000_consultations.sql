CREATE TABLE `consultation_request` (
	`request_idx` bigint unsigned AUTO_INCREMENT NOT NULL,
	`status` varchar(16) NOT NULL,
	`requester_user_code` varchar(128) NOT NULL,
	`requester_name` varchar(255) NOT NULL,
	`recipient_user_code` varchar(128),
	`recipient_name` varchar(255),
	`category` varchar(128),
	`title` varchar(255) NOT NULL,
	`content` text,
	`scheduled_at` datetime(3),
	`rejection_reason` text,
	`cancel_reason` text,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	`started_at` datetime(3),
	`ended_at` datetime(3),
	`duration_minutes` int,
	`last_activity_at` datetime(3),
	`message_count` int NOT NULL DEFAULT 0,
	`chat_log_key` varchar(255),
	`ended_by` varchar(128),
	`idle_since` datetime(3),
	CONSTRAINT `consultation_request_request_idx` PRIMARY KEY(`request_idx`)
);
--> statement-breakpoint
CREATE TABLE `message_activity` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`request_idx` bigint unsigned NOT NULL,
	`at` datetime(3) NOT NULL,
	`messages` int NOT NULL,
	CONSTRAINT `message_activity_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE INDEX `idx_consultation_requester` ON `consultation_request` (`requester_user_code`,`created_at`,`request_idx`);--> statement-breakpoint
CREATE INDEX `idx_consultation_recipient` ON `consultation_request` (`recipient_user_code`,`created_at`,`request_idx`);--> statement-breakpoint
CREATE INDEX `idx_consultation_created` ON `consultation_request` (`created_at`,`request_idx`);--> statement-breakpoint
CREATE INDEX `idx_consultation_queue` ON `consultation_request` (`status`,`recipient_user_code`,`category`,`created_at`);--> statement-breakpoint
CREATE INDEX `idx_consultation_idle` ON `consultation_request` (`idle_since`);--> statement-breakpoint
CREATE INDEX `idx_message_activity_at` ON `message_activity` (`at`);
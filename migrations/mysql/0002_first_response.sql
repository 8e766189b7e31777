ALTER TABLE `consultation_request` ADD `first_response_at` datetime(3);--> statement-breakpoint
CREATE INDEX `idx_consultation_updated` ON `consultation_request` (`updated_at`);
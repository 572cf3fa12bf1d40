ALTER TABLE `mirror_health` DROP COLUMN `lag_seconds`;--> statement-breakpoint
ALTER TABLE `mirror_health` DROP COLUMN `checked_at`;--> statement-breakpoint
ALTER TABLE `mirror_status` DROP COLUMN `checked_at`;--> statement-breakpoint
ALTER TABLE `mirror_status` DROP COLUMN `latency_ms`;
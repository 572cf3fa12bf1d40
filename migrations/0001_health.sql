CREATE TABLE `mirror_health` (
	`mirror_id` integer PRIMARY KEY NOT NULL,
	`trace_at` integer,
	`trace_since` integer,
	`lag_seconds` integer,
	`stalled` integer DEFAULT false NOT NULL,
	`ipv4_up` integer,
	`ipv6_up` integer,
	`checked_at` integer,
	FOREIGN KEY (`mirror_id`) REFERENCES `mirrors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `probe_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mirror_id` integer NOT NULL,
	`scheme` text NOT NULL,
	`family` integer,
	`at` integer NOT NULL,
	`ok` integer NOT NULL,
	`lag_seconds` integer,
	`latency_ms` integer,
	`error` text,
	FOREIGN KEY (`mirror_id`) REFERENCES `mirrors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `probe_history_at` ON `probe_history` (`at`);--> statement-breakpoint
CREATE INDEX `probe_history_mirror_at` ON `probe_history` (`mirror_id`,`at`);--> statement-breakpoint
ALTER TABLE `mirror_status` ADD `latency_ms` integer;--> statement-breakpoint
ALTER TABLE `mirror_status` DROP COLUMN `last_scan_at`;--> statement-breakpoint
ALTER TABLE `mirrors` ADD `files_held` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `mirrors` ADD `last_scan_at` integer;
CREATE TABLE `stats_country_day` (
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`country` text NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `kind`, `country`)
);
--> statement-breakpoint
CREATE TABLE `stats_mirror_day` (
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`mirror_id` integer NOT NULL,
	`tier` text NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `kind`, `mirror_id`, `tier`)
);
--> statement-breakpoint
CREATE TABLE `stats_unit_day` (
	`day` text NOT NULL,
	`kind` text NOT NULL,
	`unit` text NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `kind`, `unit`)
);

CREATE TABLE `file_pieces` (
	`file_id` integer PRIMARY KEY NOT NULL,
	`piece_size` integer NOT NULL,
	`hashes` blob NOT NULL,
	FOREIGN KEY (`file_id`) REFERENCES `files`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `files` (
	`id` integer PRIMARY KEY NOT NULL,
	`path` text NOT NULL,
	`size` integer NOT NULL,
	`mtime` integer NOT NULL,
	`changed_at` integer NOT NULL,
	`md5` text,
	`sha1` text,
	`sha256` text,
	`sha512` text,
	`mirrors` blob NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `files_path_unique` ON `files` (`path`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `mirror_status` (
	`mirror_id` integer NOT NULL,
	`scheme` text NOT NULL,
	`up` integer DEFAULT true NOT NULL,
	`checked_at` integer,
	`since` integer,
	`failures` integer DEFAULT 0 NOT NULL,
	`successes` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_scan_at` integer,
	PRIMARY KEY(`mirror_id`, `scheme`),
	FOREIGN KEY (`mirror_id`) REFERENCES `mirrors`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mirrors` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`http_url` text,
	`https_url` text,
	`ftp_url` text,
	`rsync_url` text,
	`country` text NOT NULL,
	`continent` text NOT NULL,
	`region` text,
	`lat` real,
	`lon` real,
	`asns` text DEFAULT '[]' NOT NULL,
	`prefixes` text DEFAULT '[]' NOT NULL,
	`weight` integer DEFAULT 100 NOT NULL,
	`country_only` integer DEFAULT false NOT NULL,
	`region_only` integer DEFAULT false NOT NULL,
	`asn_only` integer DEFAULT false NOT NULL,
	`prefix_only` integer DEFAULT false NOT NULL,
	`extra_countries` text DEFAULT '[]' NOT NULL,
	`allow_countries` text DEFAULT '[]' NOT NULL,
	`deny_countries` text DEFAULT '[]' NOT NULL,
	`ipv4` integer DEFAULT true NOT NULL,
	`ipv6` integer DEFAULT true NOT NULL,
	`max_file_size` integer,
	`enabled` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mirrors_name_unique` ON `mirrors` (`name`);
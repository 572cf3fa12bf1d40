/** The annotated mirrorhop.toml that `mirrorhop init` writes. */

export const EXAMPLE_CONFIG = `# mirrorhop.toml: what the origin holds, how downloads are steered, and the mirrors.
# Check it with \`mirrorhop config check\`. Relative paths are relative to this file.

[origin]
# The local tree that is published (read by \`mirrorhop scan origin\`).
path = "/srv/pub"
# Its public base URL: downloads nobody else can serve go here. Must end in '/'.
url = "https://download.example.org/pub/"
# The trace file: the origin rewrites it with the time (\`date -u +%s > /srv/pub/TIME\`) every few
# minutes; mirrors copy it. Probes read each mirror's copy: it proves the tree is there and says how
# far behind the mirror is. Without it there are no probes (docs/health.md).
trace = "TIME"

[policy]
# Files smaller than this (bytes) go to the origin: a redirect would cost more than the file.
min_size = 4096
# Files that always go to the origin (outside declared repositories, see [[repository]] below). '*' and '?' match
# within a name; a pattern with '/' matches the whole path.
origin_patterns = ["repomd.xml", "repomd.xml.*", "InRelease", "Release", "Release.gpg", "Packages*", "Sources*", "*.sig", "*.asc"]
# A mirror this many km away counts half as much as one next door (region and world tiers).
distance_half_km = 2000
# How many mirrors the Link header lists.
max_links = 5
# A path the index does not know yet (published after the last push): "origin" redirects it there
# (the origin answers 404 for what it lacks); "404" answers it here.
unknown_paths = "origin"
# List the origin in Metalinks that name mirrors too. libzypp and aria2c fetch from every URL
# listed, so the origin would carry a share of every download.
metalink_origin = false

# Operator regions: clients and mirrors in one region share the region tier (else: continent).
[policy.regions]
# nordic = ["SE", "NO", "FI", "DK", "IS"]

# "The same client network asking for the same repository gets the same mirror."
[policy.stickiness]
repo_depth = 2     # leading directories that name a repository
ipv4_bits = 24
ipv6_bits = 48

# Probes (the Worker's cron and \`mirrorhop probe\`), freshness and stalled mirrors.
[health]
down_after = 2                 # consecutive failed probes before a scheme is down
up_after = 2                   # consecutive good probes before it is up again
timeout_seconds = 10
max_lag_seconds = 86400        # a mirror further behind takes no traffic; 0: no limit
lag_scope = "all"              # or "mutable": only files matching mutable_patterns avoid it
# mutable_patterns = ["*-current.iso", "latest/*"]
stalled_after_seconds = 86400  # trace unchanged this long while the origin's moved: "stalled"
max_probes_per_run = 45        # the platform caps subrequests per cron run; the rest wait their turn
history_days = 14              # probe history for the rollout chart
verdict_max_age_seconds = 3600 # older verdicts are ignored (a stopped cron cannot keep mirrors down); 0: never

# Release gating: a new file goes to the origin until min_mirrors mirrors hold it or it is older
# than min_age_seconds. Staged paths are not served at all (404) until min_mirrors hold them.
[release]
min_mirrors = 0                # 0: no gating
min_age_seconds = 21600
# staged = ["releases/16.0/*"]

# Download statistics, counted at the edge after each response (docs/statistics.md). No client
# address is stored; a resumed download (Range) and a repeat from one network within the window count once.
[stats]
enabled = true
repeat_window_seconds = 600
repeat_marks = "isolate"       # or "data-centre": the Cache API too, across the data centre's instances
retention_days = 90            # D1 store only; Analytics Engine keeps three months

# Package repositories are a unit: their metadata goes only to mirrors holding the current version
# of every metadata file, and apt, dnf, zypper and pacman get those mirrors in their own formats
# (docs/repositories.md). kind: "apt", "rpm-md", "pacman" or "detect"; metadata: "mirrors" or "origin".
# [[repository]]
# root = "debian"
# kind = "apt"
# metadata = "mirrors"

[scan]
# Protocols tried per mirror, in order; the first one the mirror has a URL for is used.
protocols = ["rsync", "ftp", "http"]
timeout_seconds = 600          # per mirror
concurrency = 8                # mirrors scanned at once
mtime_tolerance_seconds = 1    # on top of the listing's own resolution (HTTP: a minute)
max_entries = 5000000          # a listing longer than this is refused as hostile
max_depth = 64
# Claims checked per mirror and scan with HEAD where clients would be sent (new claims first);
# one denied claim voids the mirror's listing until a scan checks out. 0 turns this off.
verify = 16
# Of those, how many also get one random piece fetched and compared with the origin's hash (same
# size, other bytes); a piece that differs voids that claim only. 0 turns this off.
verify_content = 2
# A claim counts this long after the scan that saw it; a mirror whose scans keep failing then holds
# nothing (a week).
max_claim_age_seconds = 604800

# One [[mirror]] table per mirror. id is a small, stable integer that never changes meaning: push
# refuses to give a pushed id to another mirror (docs/scanner.md says how to retire one).
[[mirror]]
id = 1
name = "de-fra"
http = "http://mirror.example.de/pub/"
https = "https://mirror.example.de/pub/"
rsync = "rsync://mirror.example.de/pub/"
# ftp = "ftp://mirror.example.de/pub/"
country = "DE"
# continent = "EU"            # derived from the country when omitted
# region = "central"          # a key of [policy.regions]
lat = 50.11
lon = 8.68
asns = [3320]
prefixes = ["192.0.2.0/24", "2001:db8::/32"]
weight = 100
# country_only = false        # serve only clients of its country (and extra_countries)
# region_only = false
# asn_only = false
# prefix_only = false
# extra_countries = ["AT", "CH"]
# allow_countries = []        # when set, only these clients
# deny_countries = []
# ipv4 = true
# ipv6 = true
# max_file_size = 4700000000  # bytes
# enabled = true
`;

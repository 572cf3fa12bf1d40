/**
 * The real package managers, each confined to a temporary root under `work`: apt (APT_CONFIG),
 * dnf (--installroot), zypper (--root) and pacman (--root, --dbpath). Each returns its exit code,
 * its output and the root it installed into.
 */

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ClientRun {
  code: number;
  out: string;
  root: string;
}

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run("timeout", ["180", cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

export async function aptInstall(work: string, keyring: string, sourceLine: string, pkgs: string[]): Promise<ClientRun> {
  const dir = mkdtempSync(path.join(work, "apt-"));
  const root = path.join(dir, "root");
  for (const d of [
    "var/lib/dpkg/info",
    "var/lib/dpkg/updates",
    "var/lib/dpkg/triggers",
    "etc/apt/sources.list.d",
    "etc/apt/preferences.d",
    "etc/apt/apt.conf.d",
    "state/lists/partial",
    "cache/archives/partial",
  ])
    mkdirSync(path.join(d.startsWith("var") ? root : dir, d), { recursive: true });
  writeFileSync(path.join(root, "var/lib/dpkg/status"), "");
  writeFileSync(path.join(dir, "sources.list"), `deb [signed-by=${keyring}] ${sourceLine} stable main\n`);
  const conf = path.join(dir, "apt.conf");
  writeFileSync(
    conf,
    [
      `Dir::Etc::sourcelist "${dir}/sources.list";`,
      `Dir::Etc::sourceparts "${dir}/etc/apt/sources.list.d";`,
      `Dir::Etc::preferencesparts "${dir}/etc/apt/preferences.d";`,
      `Dir::Etc::parts "${dir}/etc/apt/apt.conf.d";`,
      `Dir::State "${dir}/state";`,
      `Dir::State::status "${root}/var/lib/dpkg/status";`,
      `Dir::Cache "${dir}/cache";`,
      'Debug::NoLocking "true";',
      'APT::Sandbox::User "root";',
      'Acquire::Languages "none";',
      'APT::Architecture "amd64";',
      'APT::Architectures { "amd64"; };',
      `DPkg::Options { "--root=${root}"; "--force-not-root"; "--force-script-chrootless"; "--log=${dir}/dpkg.log"; };`,
      'DPkg::Chroot-Directory "/";',
      "",
    ].join("\n"),
  );
  const env = { APT_CONFIG: conf, DEBIAN_FRONTEND: "noninteractive" };
  const update = await sh("apt-get", ["update"], env);
  if (update.code !== 0 || /^(W|E):/m.test(update.out)) return { ...update, code: update.code || 1, root };
  const install = await sh("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], env);
  return { ...install, out: update.out + install.out, root };
}

export async function dnfInstall(work: string, repoLine: string, pkgs: string[]): Promise<ClientRun> {
  const dir = mkdtempSync(path.join(work, "dnf-"));
  const root = path.join(dir, "root");
  mkdirSync(path.join(dir, "repos"), { recursive: true });
  writeFileSync(
    path.join(dir, "dnf.conf"),
    `[main]\ncachedir=${dir}/cache\nlogdir=${dir}/log\npersistdir=${dir}/persist\nreposdir=${dir}/repos\ngpgcheck=0\nretries=1\ntimeout=10\ninstall_weak_deps=0\n`,
  );
  writeFileSync(path.join(dir, "repos/mirrorhop.repo"), `[mirrorhop]\nname=mirrorhop test\n${repoLine}\ngpgcheck=0\nrepo_gpgcheck=0\nskip_if_unavailable=0\n`);
  const r = await sh("dnf", [
    "-y",
    `--config=${dir}/dnf.conf`,
    `--installroot=${root}`,
    "--releasever=1",
    `--setopt=reposdir=${dir}/repos`,
    "--noplugins",
    "--nodocs",
    "install",
    ...pkgs,
  ]);
  return { ...r, root };
}

export async function pacmanInstall(work: string, serverLines: string[], pkgs: string[]): Promise<ClientRun> {
  const dir = mkdtempSync(path.join(work, "pacman-"));
  const root = path.join(dir, "root");
  for (const d of ["db", "cache", "gnupg", "hooks", "root"]) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, "mirrorlist"), serverLines.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "pacman.conf"),
    `[options]\nRootDir = ${root}\nDBPath = ${dir}/db/\nCacheDir = ${dir}/cache/\nLogFile = ${dir}/pacman.log\nGPGDir = ${dir}/gnupg/\nHookDir = ${dir}/hooks/\nArchitecture = x86_64\nSigLevel = Never\nDisableDownloadTimeout\n\n[core]\nInclude = ${dir}/mirrorlist\n`,
  );
  const base = ["--config", `${dir}/pacman.conf`, "--root", root, "--dbpath", `${dir}/db/`, "--cachedir", `${dir}/cache/`, "--noconfirm"];
  const sync = await sh("pacman", [...base, "-Sy"]);
  if (sync.code !== 0) return { ...sync, root };
  const install = await sh("pacman", [...base, "-S", ...pkgs]);
  return { ...install, out: sync.out + install.out, root };
}

export async function zypperInstall(work: string, baseUrl: string, pkgs: string[]): Promise<ClientRun> {
  const dir = mkdtempSync(path.join(work, "zypper-"));
  const root = path.join(dir, "root");
  mkdirSync(root, { recursive: true });
  const env = { ZYPP_LOGFILE: path.join(dir, "zypp.log"), ZYPP_LOCKFILE_ROOT: dir };
  const z = (...args: string[]) => sh("zypper", ["-n", "--root", root, "--no-gpg-checks", ...args], env);
  // The type given up front: a libzypp probing an untyped repository checks for repodata/repomd.xml
  // with HEAD, which a redirector answers with a plain 302 (no Metalink, so no failover).
  const repoFile = path.join(dir, "mirrorhop.repo");
  writeFileSync(
    repoFile,
    `[mirrorhop]\nname=mirrorhop test\n${baseUrl.includes("=") ? baseUrl : `baseurl=${baseUrl}`}\ntype=rpm-md\nenabled=1\nautorefresh=1\ngpgcheck=0\n`,
  );
  const steps = [await z("ar", repoFile), await z("refresh"), await z("install", "--no-recommends", ...pkgs)];
  const failed = steps.find((s) => s.code !== 0);
  const log = failed
    ? `\n--- zypp.log (requests) ---\n${(await sh("grep", ["-E", "MediaCurl|Metalink|metalink|HEAD|GET|127\\.0\\.0", env.ZYPP_LOGFILE])).out.split("\n").slice(-80).join("\n")}`
    : "";
  return { code: failed?.code ?? 0, out: steps.map((s) => s.out).join("\n") + log, root };
}

/**
 * Tiny real package repositories, built with each ecosystem's own tools: a signed apt archive
 * (dpkg-deb, apt-ftparchive, gpg), an rpm-md repository (rpmbuild, createrepo_c) and a pacman
 * repository (bsdtar, repo-add). Packages carry incompressible payloads well above the redirect
 * size threshold, so the size rule never hides what the repository rules do.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const PAYLOAD = 24 * 1024;

const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  execFileSync(cmd, args, { stdio: ["pipe", "pipe", "pipe"], ...opts, env: { ...process.env, ...opts.env } }).toString();

/** A throwaway signing key; returns its GNUPGHOME and the exported keyring apt's signed-by reads. */
export function makeSigningKey(dir: string): { home: string; keyring: string } {
  const home = path.join(dir, "gnupg");
  mkdirSync(home, { recursive: true, mode: 0o700 });
  sh("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "mirrorhop test <test@mirrorhop.invalid>", "ed25519", "sign", "never"], {
    env: { GNUPGHOME: home },
  });
  const keyring = path.join(dir, "archive-keyring.gpg");
  writeFileSync(keyring, execFileSync("gpg", ["--export"], { env: { ...process.env, GNUPGHOME: home } }));
  return { home, keyring };
}

/** `<root>/debian`: pool/main/h/<name>/<name>_<ver>_all.deb for each package, dists/stable signed. */
export function buildApt(root: string, gnupg: string, packages: { name: string; version: string }[]): void {
  const archive = path.join(root, "debian");
  rmSync(path.join(archive, "dists"), { recursive: true, force: true });
  for (const p of packages) {
    const dir = path.join(archive, "pool/main", p.name[0]!, p.name);
    const deb = path.join(dir, `${p.name}_${p.version}_all.deb`);
    if (existsSync(deb)) continue;
    const pkg = path.join(path.dirname(root), ".build", `${p.name}-${p.version}`);
    mkdirSync(path.join(pkg, "DEBIAN"), { recursive: true });
    mkdirSync(path.join(pkg, "usr/share", p.name), { recursive: true });
    writeFileSync(path.join(pkg, "usr/share", p.name, "payload.bin"), randomBytes(PAYLOAD));
    writeFileSync(
      path.join(pkg, "DEBIAN/control"),
      `Package: ${p.name}\nVersion: ${p.version}\nArchitecture: all\nMaintainer: mirrorhop <test@mirrorhop.invalid>\nDescription: mirrorhop test package\n`,
    );
    mkdirSync(dir, { recursive: true });
    sh("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", pkg, deb]);
  }
  const bin = path.join(archive, "dists/stable/main/binary-amd64");
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, "Packages"), sh("apt-ftparchive", ["packages", "pool"], { cwd: archive }));
  sh("gzip", ["-9knf", path.join(bin, "Packages")]);
  const release = sh(
    "apt-ftparchive",
    [
      "-o",
      "APT::FTPArchive::Release::Suite=stable",
      "-o",
      "APT::FTPArchive::Release::Codename=stable",
      "-o",
      "APT::FTPArchive::Release::Architectures=amd64",
      "-o",
      "APT::FTPArchive::Release::Components=main",
      "release",
      "dists/stable",
    ],
    { cwd: archive },
  );
  const suite = path.join(archive, "dists/stable");
  writeFileSync(path.join(suite, "Release"), release);
  const env = { GNUPGHOME: gnupg };
  sh("gpg", ["--batch", "--yes", "--clearsign", "-o", path.join(suite, "InRelease"), path.join(suite, "Release")], { env });
  sh("gpg", ["--batch", "--yes", "-abs", "-o", path.join(suite, "Release.gpg"), path.join(suite, "Release")], { env });
}

/** `<root>/rpm`: Packages/<name>-<ver>-1.noarch.rpm and repodata/ from createrepo_c. */
export function buildRpm(root: string, packages: { name: string; version: string }[]): void {
  const repo = path.join(root, "rpm");
  for (const p of packages) {
    const out = path.join(repo, "Packages", `${p.name}-${p.version}-1.noarch.rpm`);
    if (existsSync(out)) continue;
    const top = path.join(path.dirname(root), ".build", `rpm-${p.name}-${p.version}`);
    mkdirSync(path.join(top, "SPECS"), { recursive: true });
    mkdirSync(path.join(top, "SOURCES"), { recursive: true });
    writeFileSync(path.join(top, "SOURCES/payload.bin"), randomBytes(PAYLOAD));
    const spec = path.join(top, "SPECS", `${p.name}.spec`);
    writeFileSync(
      spec,
      [
        `Name: ${p.name}`,
        `Version: ${p.version}`,
        "Release: 1",
        "Summary: mirrorhop test package",
        "License: MIT",
        "BuildArch: noarch",
        "%global debug_package %{nil}",
        "%global __os_install_post %{nil}",
        "%global _binary_payload w0.ufdio",
        "%description",
        "mirrorhop test package",
        "%install",
        `mkdir -p %{buildroot}/usr/share/${p.name}`,
        `cp %{_sourcedir}/payload.bin %{buildroot}/usr/share/${p.name}/payload.bin`,
        "%files",
        `/usr/share/${p.name}/payload.bin`,
        "",
      ].join("\n"),
    );
    sh("rpmbuild", ["--define", `_topdir ${top}`, "--define", "_build_id_links none", "-bb", spec]);
    mkdirSync(path.dirname(out), { recursive: true });
    cpSync(path.join(top, "RPMS/noarch", `${p.name}-${p.version}-1.noarch.rpm`), out);
  }
  rmSync(path.join(repo, "repodata"), { recursive: true, force: true });
  sh("createrepo_c", ["--quiet", "--no-database", repo]);
}

/** `<root>/arch/core/os/x86_64`: <name>-<ver>-1-any.pkg.tar.xz and core.db/core.files from repo-add. */
export function buildPacman(root: string, packages: { name: string; version: string }[]): void {
  const dir = path.join(root, "arch/core/os/x86_64");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^core\.(db|files)/.test(f)) rmSync(path.join(dir, f));
  const files: string[] = [];
  for (const p of packages) {
    const file = `${p.name}-${p.version}-1-any.pkg.tar.xz`;
    files.push(file);
    if (existsSync(path.join(dir, file))) continue;
    const pkg = path.join(path.dirname(root), ".build", `pac-${p.name}-${p.version}`);
    mkdirSync(path.join(pkg, "usr/share", p.name), { recursive: true });
    writeFileSync(path.join(pkg, "usr/share", p.name, "payload.bin"), randomBytes(PAYLOAD));
    writeFileSync(
      path.join(pkg, ".PKGINFO"),
      `pkgname = ${p.name}\npkgbase = ${p.name}\npkgver = ${p.version}-1\npkgdesc = mirrorhop test package\nurl = https://mirrorhop.invalid/\nbuilddate = 1700000000\npackager = mirrorhop\nsize = ${PAYLOAD}\narch = any\nlicense = MIT\n`,
    );
    sh("bsdtar", ["--xz", "-cf", path.join(dir, file), ".PKGINFO", "usr"], { cwd: pkg });
  }
  sh("repo-add", ["--quiet", path.join(dir, "core.db.tar.gz"), ...files.map((f) => path.join(dir, f))]);
  // repo-add links core.db to core.db.tar.gz; mirrors publish plain files, and so does this tree.
  for (const f of readdirSync(dir)) {
    const full = path.join(dir, f);
    if (lstatSync(full).isSymbolicLink()) {
      const target = path.resolve(dir, readlinkSync(full));
      rmSync(full);
      cpSync(target, full);
    }
  }
  for (const f of readdirSync(dir)) if (f.endsWith(".old")) rmSync(path.join(dir, f));
}

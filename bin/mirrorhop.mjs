#!/usr/bin/env node
// `npx mirrorhop …` and `npm run mirrorhop -- …`: runs the TypeScript CLI through tsx's loader,
// after checking that this Node can run it at all (an older one fails deep in an import with
// "No such built-in module: node:sqlite", which says nothing about what to do).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `mirrorhop: needs Node.js 22.12 or newer (for node:sqlite); this is ${process.version}.\n` +
      "Run it through npm (`npm run mirrorhop -- …` or `npx mirrorhop …`), which uses the project's own Node 22, or install Node 22.",
  );
  process.exit(2);
}
// `npm run mirrorhop` runs in the package's directory; -c, init and every relative path mean the
// caller's directory, which npm keeps in INIT_CWD.
if (process.env.npm_lifecycle_event === "mirrorhop" && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
const { register } = await import("tsx/esm/api");
register();
await import("../scripts/mirrorhop.ts");

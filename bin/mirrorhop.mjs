#!/usr/bin/env node
// `npx mirrorhop …`: runs the TypeScript CLI through tsx's loader.
import { register } from "tsx/esm/api";
register();
await import("../scripts/mirrorhop.ts");

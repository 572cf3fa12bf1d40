/** A pool of hashing worker threads, one per core by default; files are handed out as workers free up. */

import os from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

export interface FileHashes {
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  pieces: Buffer;
}

/**
 * Piece size for Metalink piece hashes: the smallest power of two of at least 256 KiB that keeps a
 * file at or under 1024 pieces (a 4 GiB ISO gets 4 MiB pieces). Fine enough to resume and repair,
 * and the piece list of any file (≤ 32 KiB) fits one D1 statement (100 KB of SQL text as hex).
 */
export function pieceSizeFor(size: number): number {
  let p = 256 * 1024;
  while (Math.ceil(size / p) > 1024) p *= 2;
  return p;
}

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { file: string; pieceSize: number; resolve: (h: FileHashes) => void; reject: (e: Error) => void }[] = [];
  private readonly pending = new Map<number, { resolve: (h: FileHashes) => void; reject: (e: Error) => void; worker: Worker }>();
  private nextId = 0;

  constructor(size = os.availableParallelism()) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(fileURLToPath(new URL("./hash-worker.mjs", import.meta.url).href));
      w.on("message", (m: { id: number; error?: string } & FileHashes) => {
        const p = this.pending.get(m.id)!;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(m.error));
        else p.resolve({ md5: m.md5, sha1: m.sha1, sha256: m.sha256, sha512: m.sha512, pieces: Buffer.from(m.pieces) });
        this.idle.push(w);
        this.pump();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  hash(file: string, pieceSize: number): Promise<FileHashes> {
    return new Promise((resolve, reject) => {
      this.queue.push({ file, pieceSize, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      this.pending.set(id, { resolve: job.resolve, reject: job.reject, worker: w });
      w.postMessage({ id, file: job.file, pieceSize: job.pieceSize });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// Worker thread: hashes one file in a single read pass (md5, sha1, sha256, sha512 and SHA-256
// piece hashes). Plain JavaScript so it starts without a TypeScript loader.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { parentPort } from "node:worker_threads";

parentPort.on("message", async ({ id, file, pieceSize }) => {
  try {
    const whole = ["md5", "sha1", "sha256", "sha512"].map((a) => createHash(a));
    const pieces = [];
    let piece = createHash("sha256");
    let inPiece = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      for (const h of whole) h.update(chunk);
      let off = 0;
      while (off < chunk.length) {
        const take = Math.min(pieceSize - inPiece, chunk.length - off);
        piece.update(chunk.subarray(off, off + take));
        inPiece += take;
        off += take;
        if (inPiece === pieceSize) {
          pieces.push(piece.digest());
          piece = createHash("sha256");
          inPiece = 0;
        }
      }
    }
    if (inPiece > 0) pieces.push(piece.digest());
    const [md5, sha1, sha256, sha512] = whole.map((h) => h.digest("hex"));
    parentPort.postMessage({ id, md5, sha1, sha256, sha512, pieces: Buffer.concat(pieces) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err?.message ?? err) });
  }
});

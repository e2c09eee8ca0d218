/**
 * Fuzz target: the Framer on a stream. The first input byte seeds the segment sizes, the rest is
 * the stream; every frame must decode to an allowed outcome, the framer must never hold more
 * than one maximum message plus one segment, and it must give the same frames as when the
 * stream arrives whole. Input: bytes from Jazzer.js / the fallback mutator. Pure: no I/O.
 */
import { Framer } from '../../../peers/wire/framer.js';
import { decodeMessage } from '../../../peers/wire/index.js';
import { DEFAULT_CONTEXT } from '../../../peers/wire/context.js';
import { FuzzFinding, expectAllowed } from './check.js';

function run(stream: Uint8Array, seg: number): string[] {
  const fr = new Framer(4096);
  const out: string[] = [];
  for (let at = 0; at < stream.length; at += seg) {
    const chunk = stream.slice(at, at + seg);
    fr.push(chunk);
    for (let r = fr.next(); r !== null; r = r.ok ? fr.next() : null) {
      expectAllowed('Framer.next', r);
      if (!r.ok) return [...out, `error ${r.error.code}/${r.error.subcode}`];
      expectAllowed('decodeMessage(frame)', decodeMessage(r.value, DEFAULT_CONTEXT));
      out.push(Buffer.from(r.value).toString('hex'));
    }
    if (fr.buffered > 4096 + chunk.length) throw new FuzzFinding(`framer holds ${fr.buffered} bytes`);
  }
  return out;
}

export function fuzz(data: Uint8Array): void {
  if (data.length === 0) return;
  const stream = data.subarray(1);
  const whole = run(stream, Math.max(1, stream.length)).join(',');
  const split = run(stream, 1 + ((data[0] as number) % 23)).join(',');
  if (whole !== split) throw new FuzzFinding('framer output depends on segmentation');
}

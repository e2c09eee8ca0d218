/**
 * daemon/metrics/session-log.ts: stable event names with code/subcode names, and a failure
 * that repeats while the session retries logged once (then at debug level).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { logSessionDown } from '../../../../daemon/metrics/session-log.js';
import type { Logger } from '../../../../daemon/log.js';

function capture(): { log: Logger; lines: { level: number; event: string; [k: string]: unknown }[] } {
  const lines: { level: number; event: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as { level: number; event: string });
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, stream) as Logger, lines };
}

const INFO = 30;
const DEBUG = 20;

test('session.down with the reason; notification.received with code and subcode names and the RFC 9003 text', () => {
  const { log, lines } = capture();
  const reason = { kind: 'notification-received' as const, code: 6, subcode: 2, text: 'Cease / Administrative Shutdown', shutdownMessage: 'maintenance' };
  logSessionDown(log, {}, reason, 'received NOTIFICATION 6/2', true);
  assert.deepEqual(lines.map((l) => [l.event, l.level]), [['notification.received', INFO], ['session.down', INFO]]);
  assert.deepEqual([lines[0]?.code, lines[0]?.subcode, lines[0]?.codeName, lines[0]?.subcodeName, lines[0]?.shutdownMessage], [6, 2, 'Cease', 'Administrative Shutdown', 'maintenance']);
  assert.deepEqual(lines[1]?.reason, reason);
  assert.equal(lines[1]?.wasEstablished, true);
});

test('the same failure while retrying is logged once; a new reason or an Established session logs again', () => {
  const { log, lines } = capture();
  const session = {};
  const refused = { kind: 'notification-sent' as const, code: 2, subcode: 2, text: 'OPEN Message Error / Bad Peer AS' };
  for (let i = 0; i < 3; i++) logSessionDown(log, session, refused, 'sent NOTIFICATION 2/2', false);
  logSessionDown(log, session, { kind: 'hold-timer-expired' }, 'hold timer expired', false);
  logSessionDown(log, session, refused, 'sent NOTIFICATION 2/2', true);
  const down = lines.filter((l) => l.event === 'session.down').map((l) => l.level);
  assert.deepEqual(down, [INFO, DEBUG, DEBUG, INFO, INFO]);
  const sent = lines.filter((l) => l.event === 'notification.sent');
  assert.deepEqual(sent.map((l) => [l.code, l.subcode, l.level]), [[2, 2, INFO], [2, 2, DEBUG], [2, 2, DEBUG], [4, 0, INFO], [2, 2, INFO]]);
  assert.equal(sent[3]?.subcodeName, undefined, 'subcode 0 has no name');
  assert.equal(sent[3]?.codeName, 'Hold Timer Expired');
  // Another session (a peer's new config) starts afresh.
  logSessionDown(log, {}, refused, 'sent NOTIFICATION 2/2', false);
  assert.equal(lines.at(-1)?.level, INFO);
});

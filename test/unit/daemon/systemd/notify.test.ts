/**
 * sd_notify against a real AF_UNIX datagram socket standing in for systemd (a python3 child that
 * binds it and prints what arrives), for a filesystem path and for an abstract name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sdNotify, sockaddrUn, startWatchdog } from '../../../../daemon/systemd/notify.js';

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
name = sys.argv[1]
s.bind(("\\0" + name[1:]) if name.startswith("@") else name)
print("bound", flush=True)
for _ in range(int(sys.argv[2])):
    print(s.recv(4096).decode(), flush=True)
`;

async function receive(target: string, count: number, send: () => void): Promise<string[]> {
  const p = spawn('python3', ['-c', RECEIVER, target, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  for (let i = 0; i < 100 && !out.includes('bound'); i++) await new Promise((r) => setTimeout(r, 20));
  send();
  await new Promise<void>((r) => p.on('close', () => r()));
  return out.trim().split('\n').slice(1);
}

test('READY and STATUS reach a path socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rr-notify-'));
  try {
    const path = join(dir, 'notify.sock');
    const got = await receive(path, 2, () => {
      assert.equal(sdNotify('READY=1\nSTATUS=2/2 peers up, 10 routes', path), true);
      assert.equal(sdNotify('STOPPING=1', path), true);
    });
    assert.deepEqual(got, ['READY=1', 'STATUS=2/2 peers up, 10 routes', 'STOPPING=1']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an abstract socket name (@...) works, and the watchdog feeds it', async () => {
  const name = `@rr-notify-${process.pid}`;
  let wd: NodeJS.Timeout | null = null;
  const got = await receive(name, 2, () => {
    assert.equal(sdNotify('READY=1', name), true);
    wd = startWatchdog({ NOTIFY_SOCKET: name, WATCHDOG_USEC: '200000' });
  });
  clearInterval(wd ?? undefined);
  assert.deepEqual(got, ['READY=1', 'WATCHDOG=1']);
});

test('without NOTIFY_SOCKET nothing is sent; bad names are refused', () => {
  assert.equal(sdNotify('READY=1', undefined), false);
  assert.equal(startWatchdog({ WATCHDOG_USEC: '1000000' }), null);
  assert.equal(startWatchdog({ NOTIFY_SOCKET: '@x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' }), null);
  assert.equal(sockaddrUn('x'.repeat(200)), null);
  assert.equal(sockaddrUn('@abc')?.len, 2 + 1 + 3);
  assert.equal(sockaddrUn('/run/x')?.len, 2 + 6 + 1);
});

test('rackrouted itself says READY=1 with a STATUS line once started, STOPPING=1 on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rr-notify-'));
  const { writeFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const main = fileURLToPath(new URL('../../../../daemon/main.js', import.meta.url));
  try {
    const cfg = join(dir, 'c.yaml');
    // No peers, no BGP listener, no metrics listener, no kernel: nothing touches the network.
    writeFileSync(cfg, `node: {routerId: 192.0.2.1, asn: 65001}\nbgp: {listen: false}\nmetrics: {enabled: false}\ncontrol: {socket: ${join(dir, 'c.sock')}}\n`);
    const path = join(dir, 'notify.sock');
    let daemon: ReturnType<typeof spawn> | undefined;
    const got = await receive(path, 2, () => {
      daemon = spawn(process.execPath, [main, '--no-fib', '--config', cfg], { env: { ...process.env, NOTIFY_SOCKET: path }, stdio: 'ignore' });
      // SIGTERM once READY has had time to arrive (the receiver waits for both messages).
      setTimeout(() => daemon?.kill('SIGTERM'), 1500);
    });
    assert.deepEqual(got.slice(0, 2), ['READY=1', 'STATUS=0/0 peers up']);
    assert.equal(got[2], 'STOPPING=1');
    assert.equal(got[3], 'STATUS=shutting down (SIGTERM)');
    daemon?.kill('SIGKILL');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

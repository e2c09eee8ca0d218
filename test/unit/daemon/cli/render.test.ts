/** The CLI's tables: why a route was refused and its traffic in `routes`, and `datapath`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderDatapath, renderRoutes } from '../../../../daemon/cli/render.js';

test('routes: the NOTE column says why a route was refused; TRAFFIC comes from the datapath counters', () => {
  const out = renderRoutes(
    {
      n3: {
        received: [
          { prefix: '10.244.3.0/24', attrs: { nextHop: '10.0.0.3', asPath: '', origin: 'igp' } },
          { prefix: '10.244.2.0/25', attrs: { nextHop: '10.0.0.3', asPath: '', origin: 'igp' }, rejected: 'ownership: 10.244.2.0/25 belongs to node n2, announced by node n3 (next hop 10.0.0.3)' },
        ],
        advertised: [],
      },
    },
    'received',
    new Map([['10.244.3.0/24', { packets: 1200, bytes: 1_500_000 }]]),
  );
  const lines = out.trim().split('\n');
  assert.match(lines[0] ?? '', /PEER\s+DIR\s+PREFIX.*NOTE\s+TRAFFIC/);
  assert.match(lines[1] ?? '', /10\.244\.3\.0\/24.*1200 pkts 1\.5 MB$/);
  assert.match(lines[2] ?? '', /rejected: ownership: 10\.244\.2\.0\/25 belongs to node n2/);
});

test('datapath: mode and reason, interfaces with why not attached, outcomes, per-prefix counters with flags', () => {
  const out = renderDatapath({
    mode: 'bpf', reason: 'attached with tcx', attach: 'tcx', kernel: '6.18', libbpf: '1.1', routes: 2, mapErrors: 0,
    findings: ['pod interface lxc1 MTU 1450 < uplink MTU 1500: native routing has no tunnel overhead, set the pod MTU to 1500'],
    interfaces: [{ name: 'eth0', role: 'uplink', mtu: 1500, attached: true }, { name: 'lo', role: 'uplink', mtu: 65536, attached: false, reason: 'device type unsupported: ARPHRD 772 (loopback)' }],
    outcomes: { 'fast:redirect': 10, 'fallback:ttl': 0 },
    routeCounters: [{ prefix: '10.244.1.0/24', routeId: 0, flags: 2, packets: 5, bytes: 700 }, { prefix: '10.244.2.0/24', routeId: 1, flags: 1, packets: 0, bytes: 0 }],
  });
  assert.match(out, /^mode\s+bpf \(attached with tcx\)$/m);
  assert.match(out, /^finding\s+pod interface lxc1 MTU 1450/m);
  assert.match(out, /^lo\s+uplink\s+65536\s+no: device type unsupported/m);
  assert.match(out, /^fast:redirect\s+10$/m);
  assert.doesNotMatch(out, /fallback:ttl/, 'zero outcomes are left out');
  assert.match(out, /^10\.244\.1\.0\/24\s+local\s+5\s+700$/m);
  assert.match(out, /^10\.244\.2\.0\/24\s+no-fastpath\s+0\s+0$/m);
});

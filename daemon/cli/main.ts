#!/usr/bin/env node
/**
 * `rackroute`: the operator's CLI. Talks to rackrouted over the control socket; prints human
 * tables by default and the raw JSON with --json. Input: argv; output: stdout/stderr, exit code.
 */
import { callDaemon, ControlError, DEFAULT_SOCKET } from '../control/client.js';
import { renderDatapath, renderNeighbors, renderReload, renderWhy, renderRib, renderRoutes, renderStatus } from './render.js';

const USAGE = `usage: rackroute [--socket PATH] [--json] COMMAND
commands:
  status                          daemon version, uptime, router id, counts
  neighbors [PEER]                BGP sessions: state, uptime, last error, capabilities, prefixes,
                                  BFD (state, intervals, detection time; in detail for one PEER),
                                  session protection for one PEER (auth md5/tcp-ao/none,
                                  ttl-security, multihop, interface)
  routes [PREFIX] [--peer PEER] [--received|--advertised] [--limit N]
                                  routes received from / advertised to each peer (with why a
                                  route was refused, and its traffic from the datapath)
                                  (at most N per peer and direction, default 10000)
  rib [PREFIX] [--limit N]        the Loc-RIB: best path, why it won, ECMP next hops, candidates
  fib                             kernel FIB sync: routes installed, operations, drift repaired
  datapath                        eBPF datapath: bpf or legacy and why, interfaces, fast-path and
                                  fallback counters, packets and bytes per managed prefix
  why ADDRESS                     the route an address takes: BGP paths, who sent them, why the
                                  best won, the next hops, and whether the kernel agrees
  reload [--dry-run]              re-read the config file (as SIGHUP); --dry-run shows the plan:
                                  sessions that would reset, peers added/removed, policy re-runs
  peer PEER reset|disable|enable|refresh [--message TEXT]
                                  reset: Cease/Administrative Reset and reconnect; disable: Cease/
                                  Administrative Shutdown (TEXT as RFC 9003 reason) until enable;
                                  refresh: ask the peer to re-send its routes (ROUTE-REFRESH)`;

interface Args {
  socket: string;
  json: boolean;
  words: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { socket: process.env.RACKROUTE_SOCKET ?? DEFAULT_SOCKET, json: false, words: [], flags: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] ?? '';
    if (w === '--json') a.json = true;
    else if (w === '--socket') a.socket = argv[++i] ?? a.socket;
    else if (w === '--peer' || w === '--limit' || w === '--message') a.flags.set(w.slice(2), argv[++i] ?? '');
    else if (w.startsWith('--')) a.flags.set(w.slice(2), true);
    else a.words.push(w);
  }
  return a;
}

async function run(a: Args): Promise<number> {
  const [cmd, arg] = a.words;
  let result: unknown;
  let render: (r: unknown, a: Args) => string;
  switch (cmd) {
    case 'status':
      result = await callDaemon(a.socket, 'status');
      render = (r) => renderStatus(r);
      break;
    case 'neighbors':
    case 'neighbours':
      result = await callDaemon(a.socket, 'neighbors', arg ? { peer: arg } : {});
      render = (r) => renderNeighbors(r);
      break;
    case 'routes': {
      const peer = a.flags.get('peer');
      const limit = a.flags.get('limit');
      result = await callDaemon(a.socket, 'routes', {
        ...(typeof peer === 'string' ? { peer } : {}),
        ...(arg ? { prefix: arg } : {}),
        ...(typeof limit === 'string' ? { limit: Number(limit) } : {}),
      });
      const which = a.flags.has('received') ? 'received' : a.flags.has('advertised') ? 'advertised' : 'both';
      // Traffic per prefix from the datapath's counters (absent on legacy routing).
      const dp = (await callDaemon(a.socket, 'datapath').catch(() => null)) as { routeCounters?: { prefix: string; packets: number; bytes: number }[] } | null;
      const traffic = new Map((dp?.routeCounters ?? []).map((c) => [c.prefix, c]));
      render = (r) => renderRoutes(r, which, traffic);
      break;
    }
    case 'rib': {
      const limit = a.flags.get('limit');
      result = await callDaemon(a.socket, 'rib', { ...(arg ? { prefix: arg } : {}), ...(typeof limit === 'string' ? { limit: Number(limit) } : {}) });
      render = (r) => renderRib(r);
      break;
    }
    case 'fib':
      result = await callDaemon(a.socket, 'fib');
      render = (r) => renderStatus(r ?? { kernel: 'not programmed (--no-fib)' });
      break;
    case 'datapath':
      result = await callDaemon(a.socket, 'datapath');
      render = (r) => renderDatapath(r);
      break;
    case 'why':
      if (!arg) {
        process.stderr.write('rackroute: usage: rackroute why ADDRESS\n');
        return 2;
      }
      result = await callDaemon(a.socket, 'why', { address: arg });
      render = (r) => renderWhy(r);
      break;
    case 'reload': {
      const r = (await callDaemon(a.socket, 'reload', { dryRun: a.flags.has('dry-run') }, 30000)) as { applied: boolean; errors?: string[]; plan?: Record<string, unknown> };
      result = r;
      render = () => renderReload(r, a.flags.has('dry-run'));
      if (r.errors?.length) {
        process.stdout.write(a.json ? JSON.stringify(r, null, 2) + '\n' : render(r, a));
        return 1;
      }
      break;
    }
    case 'peer': {
      const action = a.words[2];
      if (!arg || !action) {
        process.stderr.write(`rackroute: usage: rackroute peer PEER reset|disable|enable|refresh [--message TEXT]\n`);
        return 2;
      }
      const message = a.flags.get('message');
      result = await callDaemon(a.socket, 'peer', { peer: arg, action, ...(typeof message === 'string' ? { message } : {}) });
      render = (r) => { const x = r as { peer: string; action: string; state: string }; return `${x.peer}: ${x.action} done (session ${x.state})\n`; };
      break;
    }
    case undefined:
    case 'help':
      process.stdout.write(USAGE + '\n');
      return cmd ? 0 : 2;
    default:
      process.stderr.write(`rackroute: unknown command '${cmd}'\n${USAGE}\n`);
      return 2;
  }
  process.stdout.write(a.json ? JSON.stringify(result, null, 2) + '\n' : render(result, a));
  return 0;
}

run(parseArgs(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`rackroute: ${err instanceof ControlError || err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

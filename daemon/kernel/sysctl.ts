/**
 * Forwarding sysctls at start, and a report of host settings that break native routing: strict
 * reverse-path filtering (rp_filter=1) drops pod traffic arriving on an uplink other than the one
 * the return route uses (ECMP across two ToRs), and systemd-networkd's ManageForeignRoutes=yes
 * (its default) deletes routes it did not create, ours included, whenever it reconfigures a link.
 *
 * Input: /proc/sys/net (of the process's network namespace) and /etc/systemd/networkd.conf(.d).
 * Output: writes net.ipv4.ip_forward / net.ipv6.conf.all.forwarding when asked; findings.
 * Must not: change rp_filter or networkd settings (reported only).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SysctlOptions {
  /** Set ip_forward / IPv6 forwarding to 1 (default true). */
  enableForwarding?: boolean;
  /** Interfaces whose rp_filter to check (default: all in /proc/sys/net/ipv4/conf). */
  uplinks?: readonly string[];
  /** Roots, for tests. */
  procRoot?: string;
  etcRoot?: string;
}

export interface SysctlFinding {
  setting: string;
  value: string;
  problem: string;
}

export interface SysctlReport {
  /** Settings written, e.g. "net.ipv4.ip_forward=1". */
  changed: string[];
  /** Settings that could not be written (read-only /proc/sys in a container, ...). */
  failed: string[];
  findings: SysctlFinding[];
}

export function applySysctls(opts: SysctlOptions = {}): SysctlReport {
  const proc = opts.procRoot ?? '/proc/sys';
  const report: SysctlReport = { changed: [], failed: [], findings: [] };
  if (opts.enableForwarding ?? true) {
    for (const key of ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding']) {
      const path = join(proc, ...key.split('.'));
      if (read(path) === '1') continue;
      try {
        writeFileSync(path, '1\n');
        report.changed.push(`${key}=1`);
      } catch {
        report.failed.push(`${key}=1`);
      }
    }
  }
  report.findings.push(...rpFilterFindings(proc, opts.uplinks), ...networkdFindings(opts.etcRoot ?? '/etc'));
  return report;
}

/** The kernel uses max(conf/all, conf/<if>) for rp_filter: 1 on either is strict. */
function rpFilterFindings(proc: string, uplinks: readonly string[] | undefined): SysctlFinding[] {
  const conf = join(proc, 'net', 'ipv4', 'conf');
  const all = read(join(conf, 'all', 'rp_filter'));
  const ifaces = uplinks ?? list(conf).filter((n) => n !== 'all' && n !== 'default' && n !== 'lo');
  const out: SysctlFinding[] = [];
  for (const name of ifaces) {
    const own = read(join(conf, name, 'rp_filter'));
    if (own === null) continue;
    const eff = Math.max(Number(all ?? 0), Number(own));
    if (eff === 1) {
      out.push({ setting: `net.ipv4.conf.${name}.rp_filter`, value: `${own} (all=${all ?? '?'})`, problem: 'strict reverse-path filter: asymmetric (ECMP) pod traffic on this uplink is dropped; use 2 (loose) or 0' });
    }
  }
  return out;
}

/** systemd-networkd: [Network] ManageForeignRoutes= defaults to yes (networkd.conf(5)). */
function networkdFindings(etc: string): SysctlFinding[] {
  const files = [join(etc, 'systemd', 'networkd.conf'), ...list(join(etc, 'systemd', 'networkd.conf.d')).sort().map((f) => join(etc, 'systemd', 'networkd.conf.d', f))];
  let value: string | null = null;
  let seen = false;
  for (const f of files) {
    const text = read(f);
    if (text === null) continue;
    seen = true;
    for (const line of text.split('\n')) {
      const m = /^\s*ManageForeignRoutes\s*=\s*(\S+)/.exec(line);
      if (m) value = m[1]!;
    }
  }
  if (!seen || (value !== null && /^(no|false|0|off)$/i.test(value))) return [];
  return [{ setting: 'systemd-networkd ManageForeignRoutes', value: value ?? 'yes (default)', problem: 'networkd may delete our routes when it reconfigures a link; set ManageForeignRoutes=no (or ManageForeignRoutingPolicyRules) in networkd.conf' }];
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Per-peer, per-family max-prefix accounting (RFC 4486; BIRD `receive limit`, FRR
 * `maximum-prefix`). The route engine keeps one MaxPrefixState per (session, AFI/SAFI), feeds
 * it the change in the number of prefixes received from that peer after each UPDATE (Adj-RIB-In
 * size, before import policy: it is memory the peer makes us hold), and acts on the event:
 *   - `warning`: log once when the count reaches warningPercent of the limit (re-armed when
 *     it drops below again);
 *   - `exceeded`: the count went above the limit: send the NOTIFICATION carried in the event
 *     (Cease / Maximum Number of Prefixes Reached), drop the session, and keep it down for
 *     `restartAfterMs` (or until an operator reset when undefined).
 * A limit lowered by a reload is applied by calling `accountPrefixes` with delta 0.
 * Input: MaxPrefixConfig (config/schema.ts) and counts. Output: new state + event. Pure: no
 * I/O, no clock (the session edge owns the restart timer).
 */
import { CeaseSubcode, MsgType, NotifCode } from '../../peers/wire/constants.js';
import type { NotificationMsg } from '../../peers/wire/types.js';
import type { MaxPrefixConfig } from '../../config/schema.js';

export interface MaxPrefixState {
  readonly count: number;
  /** The warning was given and the count has not dropped below the threshold since. */
  readonly warned: boolean;
  /** The limit was exceeded on this session: nothing more is reported. */
  readonly exceeded: boolean;
}

/** The state of a new session. */
export const MAX_PREFIX_START: MaxPrefixState = Object.freeze({ count: 0, warned: false, exceeded: false });

export type MaxPrefixEvent =
  | { readonly kind: 'none' }
  | { readonly kind: 'warning'; readonly count: number; readonly threshold: number; readonly limit: number }
  | {
      readonly kind: 'exceeded';
      readonly count: number;
      readonly limit: number;
      readonly notification: NotificationMsg;
      /** From maxPrefix.restartAfter; undefined = stay down until reset by an operator. */
      readonly restartAfterMs: number | undefined;
    };

const NONE: MaxPrefixEvent = Object.freeze({ kind: 'none' });

/** The count at which the warning fires: warningPercent of the limit, rounded up, at least 1. */
export function warningThreshold(cfg: MaxPrefixConfig): number {
  return Math.max(1, Math.ceil((cfg.limit * cfg.warningPercent) / 100));
}

/**
 * RFC 4486 §4: Cease, subcode 1 (Maximum Number of Prefixes Reached); the data is the AFI
 * (2 octets), the SAFI (1 octet) and the configured upper bound (4 octets).
 */
export function maxPrefixNotification(afi: number, safi: number, limit: number): NotificationMsg {
  const data = new Uint8Array(7);
  const view = new DataView(data.buffer);
  view.setUint16(0, afi);
  view.setUint8(2, safi);
  view.setUint32(3, limit);
  return { type: MsgType.Notification, code: NotifCode.Cease, subcode: CeaseSubcode.MaximumPrefixesReached, data };
}

/**
 * Applies `delta` (prefixes added minus removed for this AFI/SAFI) and decides. The count
 * never goes below 0. Without a limit only the count is kept. The limit itself is allowed
 * (OpenConfig RT-1.5: limit - 1 and limit are fine, limit + 1 trips).
 */
export function accountPrefixes(
  cfg: MaxPrefixConfig | undefined,
  state: MaxPrefixState,
  delta: number,
  afi: number,
  safi: number,
): { state: MaxPrefixState; event: MaxPrefixEvent } {
  const count = Math.max(0, state.count + delta);
  if (cfg === undefined || state.exceeded) return { state: { ...state, count }, event: NONE };
  if (count > cfg.limit) {
    const event: MaxPrefixEvent = {
      kind: 'exceeded',
      count,
      limit: cfg.limit,
      notification: maxPrefixNotification(afi, safi, cfg.limit),
      restartAfterMs: cfg.restartAfter === undefined ? undefined : cfg.restartAfter * 1000,
    };
    return { state: { count, warned: true, exceeded: true }, event };
  }
  const threshold = warningThreshold(cfg);
  if (count < threshold) return { state: { count, warned: false, exceeded: false }, event: NONE };
  if (state.warned) return { state: { count, warned: true, exceeded: false }, event: NONE };
  return { state: { count, warned: true, exceeded: false }, event: { kind: 'warning', count, threshold, limit: cfg.limit } };
}

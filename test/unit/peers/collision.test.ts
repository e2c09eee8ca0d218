/** RFC 4271 §6.8 connection collision resolution, RFC 6286 §2.3 tie-break. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectionToKeep, resolveCollision, resolveEstablishedCollision } from '../../../peers/collision.js';

describe('collision', () => {
  it('local id lower → keep the connection the remote initiated (inbound)', () => {
    assert.equal(connectionToKeep({ localId: 1, remoteId: 2 }), 'inbound');
    assert.deepEqual(resolveCollision({ localId: 1, remoteId: 2, existing: 'outbound' }), {
      keep: 'inbound',
      close: 'outbound',
      closeExisting: true,
    });
  });

  it('local id higher → keep our own (outbound) connection', () => {
    assert.equal(connectionToKeep({ localId: 3, remoteId: 2 }), 'outbound');
    assert.deepEqual(resolveCollision({ localId: 3, remoteId: 2, existing: 'outbound' }), {
      keep: 'outbound',
      close: 'inbound',
      closeExisting: false,
    });
    assert.equal(resolveCollision({ localId: 3, remoteId: 2, existing: 'inbound' }).closeExisting, true);
  });

  it('compares identifiers as unsigned 32-bit integers', () => {
    assert.equal(connectionToKeep({ localId: 0x80000000, remoteId: 0x7fffffff }), 'outbound');
    // A signed value (e.g. from `|` arithmetic) is the same identifier: -1 is 255.255.255.255.
    assert.equal(connectionToKeep({ localId: -1, remoteId: 0x7fffffff }), 'outbound');
    assert.equal(connectionToKeep({ localId: 0x7fffffff, remoteId: -2 }), 'inbound');
  });

  it('equal identifiers: the speaker with the larger AS keeps its connection (RFC 6286 §2.3)', () => {
    assert.equal(connectionToKeep({ localId: 5, remoteId: 5, localAsn: 65001, remoteAsn: 65002 }), 'inbound');
    assert.equal(connectionToKeep({ localId: 5, remoteId: 5, localAsn: 4_200_000_000, remoteAsn: 65002 }), 'outbound');
  });

  it('Established: close the new connection, unless the peer does Graceful Restart', () => {
    assert.equal(resolveEstablishedCollision(false), 'close-new');
    assert.equal(resolveEstablishedCollision(true), 'close-established');
  });
});

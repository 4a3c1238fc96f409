import { describe, expect, it } from 'vitest';
import { ProtocolAbort, UsageError } from '../tss/errors';
import { MessageRejected } from '../tss/rounds';
import { errorCode, hasCode, TandemError, walkCauses } from './index';

describe('TandemError: code, details, cause, walk, culprit', () => {
  it('keeps the code, the details and the cause; the message is the short message', () => {
    const root = new Error('socket closed');
    const e = new TandemError('relay.unreachable', 'The relay does not answer.', { details: { url: 'http://x' }, cause: root });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('relay.unreachable');
    expect(e.details).toEqual({ url: 'http://x' });
    expect(e.cause).toBe(root);
    expect(e.message).toBe(e.shortMessage);
    expect(e.walk()).toBe(root);
    expect(new TandemError('x', 'y').walk()).toBeInstanceOf(TandemError);
  });

  it('walk(fn) finds the first matching error along the chain, or null', () => {
    const abort = new ProtocolAbort(3, 'dkg.feldman');
    const outer = new TandemError('ceremony.failed', 'Key generation failed.', { cause: new TandemError('mid', 'm', { cause: abort }) });
    expect(outer.walk((e) => e instanceof ProtocolAbort)).toBe(abort);
    expect(outer.walk((e) => e instanceof UsageError)).toBeNull();
    expect(errorCode(outer)).toBe('ceremony.failed');
    expect(errorCode(new Error('plain', { cause: abort }))).toBe('protocol.abort');
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(hasCode(outer, 'protocol.abort')).toBe(true);
    expect(hasCode(outer, 'usage')).toBe(false);
    expect(walkCauses('not an error')).toBe('not an error');
  });

  it('culprit() names the party whose check failed, through wrapping errors; null for a local fault', () => {
    const abort = new ProtocolAbort(3, 'dkg.feldman', 'share does not match commitment');
    expect(abort.culprit()).toBe(3);
    expect(new TandemError('ceremony.failed', 'failed', { cause: abort }).culprit()).toBe(3);
    expect(new ProtocolAbort(null, 'sign.args').culprit()).toBeNull();
    expect(new UsageError('bad argument').culprit()).toBeNull();
  });

  it('the engine errors are subclasses with stable codes; ProtocolAbort keeps party and check', () => {
    const abort = new ProtocolAbort(2, 'sign.r2.proof', 'bad proof');
    expect(abort).toBeInstanceOf(TandemError);
    expect(abort.name).toBe('ProtocolAbort');
    expect(abort.code).toBe('protocol.abort');
    expect([abort.party, abort.check]).toEqual([2, 'sign.r2.proof']);
    expect(abort.details).toEqual({ party: 2, check: 'sign.r2.proof', detail: 'bad proof' });
    expect(new UsageError('x').code).toBe('usage');
    expect(new MessageRejected('stale', 'stale message').code).toBe('protocol.messageRejected');
  });
});

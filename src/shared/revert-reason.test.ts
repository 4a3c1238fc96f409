import { describe, expect, it } from 'vitest';
import { AbiCoder, Interface, concat } from 'ethers';
import { decodeRevert, describeRevert, revertDataOf } from './revert-reason';

const coder = AbiCoder.defaultAbiCoder();
const errorData = (msg: string) => concat(['0x08c379a0', coder.encode(['string'], [msg])]);
const panicData = (code: bigint) => concat(['0x4e487b71', coder.encode(['uint256'], [code])]);

describe('decodeRevert', () => {
  it('decodes Error(string)', () => {
    const r = decodeRevert(errorData('Insufficient balance'));
    expect(r).toEqual({ kind: 'error', message: 'Insufficient balance' });
    expect(describeRevert(r)).toBe('"Insufficient balance"');
  });

  it('decodes what ethers encodes for a require message (Interface of Error(string))', () => {
    const data = new Interface(['error Error(string)']).encodeErrorResult('Error', ['not the owner']);
    expect(decodeRevert(data)).toEqual({ kind: 'error', message: 'not the owner' });
  });

  it('drops control and bidi-override characters from a reason and cuts a long one', () => {
    expect(decodeRevert(errorData('a\u202Eb\nc'))).toEqual({ kind: 'error', message: 'a b c' });
    const long = decodeRevert(errorData('x'.repeat(500)));
    expect(long.kind === 'error' && long.message.length).toBe(201);
  });

  it('decodes Panic(uint256) with the Solidity meaning of each code', () => {
    expect(decodeRevert(panicData(0x12n))).toEqual({ kind: 'panic', code: '0x12', meaning: 'division or modulo by zero' });
    expect(describeRevert(decodeRevert(panicData(0x11n)))).toBe('panic 0x11: arithmetic overflow or underflow');
    expect(describeRevert(decodeRevert(panicData(0x01n)))).toBe('panic 0x01: assertion failed');
    expect(describeRevert(decodeRevert(panicData(0x32n)))).toBe('panic 0x32: array index out of bounds');
    expect(describeRevert(decodeRevert(panicData(0x00n)))).toBe('panic 0x00: generic compiler panic');
    expect(decodeRevert(panicData(0x99n))).toMatchObject({ kind: 'panic', code: '0x99', meaning: 'unknown panic code' });
    expect(decodeRevert(panicData(1n << 200n))).toMatchObject({ kind: 'panic', meaning: 'unknown panic code' });
  });

  it('shows a custom error as its selector and raw data', () => {
    const iface = new Interface(['error NotAllowed(address who, uint256 amount)']);
    const data = iface.encodeErrorResult('NotAllowed', ['0x' + '11'.repeat(20), 5n]);
    const r = decodeRevert(data);
    expect(r).toEqual({ kind: 'custom', selector: data.slice(0, 10), data: `0x${data.slice(10)}` });
    expect(describeRevert(r)).toBe(`custom error ${data.slice(0, 10)} with data 0x${data.slice(10)}`);
    const long = `0x12345678${'ab'.repeat(100)}`;
    expect(describeRevert(decodeRevert(long))).toBe(`custom error 0x12345678 with data 0x${'ab'.repeat(67)}… (100 bytes)`);
    expect(describeRevert(decodeRevert('0xdeadbeef'))).toBe('custom error 0xdeadbeef');
  });

  it('says a revert without data has no reason', () => {
    expect(decodeRevert('0x')).toEqual({ kind: 'empty' });
    expect(describeRevert({ kind: 'empty' })).toBe('reverted without a reason');
  });

  it('calls data that is not what its selector says malformed, never throws', () => {
    expect(decodeRevert('0x08c379a0')).toMatchObject({ kind: 'malformed' });
    expect(decodeRevert('0x08c379a0' + 'ff'.repeat(64))).toMatchObject({ kind: 'malformed' });
    expect(decodeRevert('0x4e487b71' + '00'.repeat(8))).toMatchObject({ kind: 'malformed' });
    expect(decodeRevert('0x1234')).toEqual({ kind: 'malformed', data: '0x1234' });
    expect(decodeRevert('nothex')).toMatchObject({ kind: 'malformed' });
    expect(decodeRevert('0x123')).toMatchObject({ kind: 'malformed' });
  });
});

describe('revertDataOf', () => {
  const data = errorData('no');
  it('finds the data where geth, Hardhat and ethers put it', () => {
    expect(revertDataOf({ code: 3, message: 'execution reverted: no', data })).toBe(data);
    expect(revertDataOf({ code: -32603, message: 'VM Exception', data: { message: 'VM Exception', data } })).toBe(data);
    expect(revertDataOf({ info: { error: { code: 3, message: 'x', data } } })).toBe(data);
    expect(revertDataOf({ error: { data: { data } } })).toBe(data);
  });

  it('is null when there is none', () => {
    expect(revertDataOf(new Error('fetch failed'))).toBeNull();
    expect(revertDataOf({ code: -32000, message: 'boom', data: 'not hex' })).toBeNull();
    expect(revertDataOf(null)).toBeNull();
    expect(revertDataOf('0x1234')).toBeNull();
  });
});

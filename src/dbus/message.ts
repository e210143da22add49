// D-Bus messages: the header and its fields, encoded as one buffer and decoded from a stream's bytes.
import { parseSignature } from './signature.ts';
import { Reader, WireError, Writer, type DbusValue, type Variant } from './wire.ts';

export const enum MessageType {
  MethodCall = 1,
  MethodReturn = 2,
  Error = 3,
  Signal = 4,
}

export const FLAG_NO_REPLY_EXPECTED = 0x1;

export interface Message {
  type: MessageType;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  /** '' for no body. */
  signature: string;
  body: DbusValue[];
  /** UNIX_FDS: how many fds the sender says came with the message. */
  unixFds?: number;
  /** The fds that came with it (a connection that agreed to fd passing), in order: an `h` is an index here. Whoever holds the message owns them. */
  fds?: number[];
}

/** The most bytes one message may have here (the specification allows 128 MiB; Upstart's calls are small). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

const FIELD = { path: 1, interface: 2, member: 3, errorName: 4, replySerial: 5, destination: 6, sender: 7, signature: 8, unixFds: 9 } as const;
const FIELD_SIG: Record<number, string> = { 1: 'o', 2: 's', 3: 's', 4: 's', 5: 'u', 6: 's', 7: 's', 8: 'g', 9: 'u' };
const HEADER_FIELDS = parseSignature('a(yv)')[0]!;

/** The whole message as bytes, little-endian. Throws WireError when the body does not fit its signature. */
export function encodeMessage(m: Message): Buffer {
  const body = new Writer();
  if (m.signature !== '') body.writeAll(m.signature, m.body);
  const w = new Writer();
  w.u8(0x6c); // 'l'
  w.u8(m.type);
  w.u8(m.flags);
  w.u8(1);
  w.u32(body.length);
  w.u32(m.serial);
  const fields: DbusValue[] = [];
  const add = (code: number, v: string | number | undefined): void => {
    if (v !== undefined) fields.push([code, { sig: FIELD_SIG[code]!, value: v } satisfies Variant]);
  };
  add(FIELD.path, m.path);
  add(FIELD.interface, m.interface);
  add(FIELD.member, m.member);
  add(FIELD.errorName, m.errorName);
  add(FIELD.replySerial, m.replySerial);
  add(FIELD.destination, m.destination);
  add(FIELD.sender, m.sender);
  if (m.signature !== '') add(FIELD.signature, m.signature);
  w.write(HEADER_FIELDS, fields);
  w.align(8);
  return Buffer.concat([w.bytes(), body.bytes()]);
}

/** How many bytes the message starting at buf[0] has, once 16 bytes are there; throws WireError for a broken frame. */
export function frameLength(buf: Buffer): number | undefined {
  if (buf.length < 16) return undefined;
  const e = buf[0];
  if (e !== 0x6c && e !== 0x42) throw new WireError(`endianness byte 0x${(e ?? 0).toString(16)} is neither 'l' nor 'B'`);
  if (buf[3] !== 1) throw new WireError(`protocol version ${buf[3]} (only 1 exists)`);
  const little = e === 0x6c;
  const bodyLen = little ? buf.readUInt32LE(4) : buf.readUInt32BE(4);
  const fieldsLen = little ? buf.readUInt32LE(12) : buf.readUInt32BE(12);
  const total = 16 + fieldsLen + ((8 - (fieldsLen % 8)) % 8) + bodyLen;
  if (total > MAX_MESSAGE_BYTES) throw new WireError(`message of ${total} bytes (limit ${MAX_MESSAGE_BYTES})`);
  return total;
}

/** What decoding learnt before it failed: enough to answer a method call with an error. */
export class MessageError extends WireError {
  constructor(message: string, readonly partial: Partial<Message>) {
    super(message);
  }
}

/**
 * One whole frame (as frameLength measured it) → Message. Throws MessageError when the header or
 * the body is not valid; its `partial` keeps what was read (serial, sender, type) so a call can be answered.
 */
export function decodeMessage(frame: Buffer): Message {
  const little = frame[0] === 0x6c;
  const r = new Reader(frame, little);
  r.pos = 1;
  const type = r.u8();
  const flags = r.u8();
  r.u8();
  const bodyLen = r.u32();
  const serial = r.u32();
  const partial: Partial<Message> = { type, flags, serial };
  try {
    if (serial === 0) throw new WireError('serial 0');
    if (type < 1 || type > 4) throw new WireError(`message type ${type}`);
    const fields = r.read(HEADER_FIELDS) as Array<[number, Variant]>;
    const m: Message = { type, flags, serial, signature: '', body: [] };
    for (const [code, v] of fields) {
      const sig = FIELD_SIG[code];
      if (sig === undefined) continue; // unknown fields are ignored, as the specification says
      if (v.sig !== sig) throw new WireError(`header field ${code} has type ${v.sig}, not ${sig}`);
      const name = (Object.keys(FIELD) as Array<keyof typeof FIELD>).find((k) => FIELD[k] === code)!;
      (m as unknown as Record<string, unknown>)[name] = v.value;
      (partial as Record<string, unknown>)[name] = v.value;
    }
    r.align(8);
    if (r.remaining !== bodyLen) throw new WireError('header and body lengths disagree');
    const missing = type === MessageType.MethodCall ? (m.path === undefined || m.member === undefined)
      : type === MessageType.Signal ? (m.path === undefined || m.member === undefined || m.interface === undefined)
        : type === MessageType.Error ? (m.errorName === undefined || m.replySerial === undefined)
          : m.replySerial === undefined;
    if (missing) throw new WireError('a required header field is missing');
    if (m.signature !== '') {
      const body = new Reader(frame.subarray(r.pos), little, r.pos);
      m.body = body.readAll(m.signature);
    } else if (bodyLen !== 0) {
      throw new WireError('a body without a signature');
    }
    return m;
  } catch (err) {
    throw new MessageError((err as Error).message, partial);
  }
}

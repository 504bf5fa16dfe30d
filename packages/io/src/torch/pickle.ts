import { TorchCheckpointError } from '../errors.js';
import { resolveGlobal } from './globals.js';
import { PyFunction, PyGlobal, TorchTensorRef } from './values.js';

/**
 * A Python pickle interpreter for data only. Python values become JavaScript ones: None → null,
 * bool, int → number (bigint beyond 2^53), float → number, str → string, bytes → Uint8Array,
 * list and tuple → arrays, dict → Map (keys keep their types), set → Set. Globals go through the
 * allow-list of `globals.ts`: a pickle can name only functions that build tensors and
 * containers; any other global, and the opcodes that reach outside the stream (extension
 * registry, out-of-band buffers), is a TorchCheckpointError. Nothing from the file is ever run.
 */
export interface Unpickled {
  value: unknown;
  /** Offset just past the STOP opcode (the legacy format puts pickles back to back). */
  end: number;
}

function bad(message: string): TorchCheckpointError {
  return new TorchCheckpointError('bad-pickle', `loadTorch: ${message}`);
}

function refusedOpcode(name: string, why: string): TorchCheckpointError {
  return new TorchCheckpointError(
    'refused-opcode',
    `loadTorch: the pickle uses ${name}, ${why}; nn refuses it`,
  );
}

/** Two's-complement little-endian integer of `bytes` (LONG1/LONG4), as a number when exact. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return toNumber(v);
}

function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/** A Python 2 `str`: UTF-8 when it decodes, else latin-1 bytes as characters. */
function decodeStr(b: Uint8Array): string {
  try {
    return utf8.decode(b);
  } catch {
    return b.length < 65536 ? latin1(b) : new TextDecoder('latin1').decode(b);
  }
}

/** Applies an allowed callable (REDUCE, NEWOBJ, INST, OBJ). */
function apply(callable: unknown, args: unknown, opcode: string): unknown {
  if (!(callable instanceof PyFunction))
    throw refusedOpcode(
      opcode,
      `calling ${callable instanceof PyGlobal ? callable.qualname : 'something that is not an allowed function'}`,
    );
  if (!Array.isArray(args)) throw bad(`${opcode} expects an argument tuple`);
  return callable.call(args);
}

/**
 * Interprets the pickle that starts at `start`. `persistentLoad` resolves persistent ids (torch
 * names its storages this way).
 */
export function unpickle(
  data: Uint8Array,
  start: number,
  persistentLoad: (pid: unknown) => unknown,
): Unpickled {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number): void => {
    if (n < 0 || pos + n > data.length) throw bad(`the pickle ends early (at byte ${pos}, ${n} more needed)`);
  };
  const u8 = (): number => {
    need(1);
    return data[pos++];
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return dv.getUint16(pos - 2, true);
  };
  const i32 = (): number => {
    need(4);
    pos += 4;
    return dv.getInt32(pos - 4, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return dv.getUint32(pos - 4, true);
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) throw bad(`a length of ${v} bytes runs past the end of the pickle`);
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) throw bad('a text opcode has no end of line');
    const s = latin1(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) throw bad('the pickle pops an empty stack');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw bad('the pickle reads an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw bad('the pickle closes a MARK it never opened');
    stack = prev;
    return items;
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof Map)) throw bad('SETITEM(S) on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (Array.isArray(target)) target.push(...items);
    else if (target instanceof Set) for (const v of items) target.add(v);
    else throw bad('APPEND(S) on something that is not a list');
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw bad(`the pickle reads memo entry ${i}, which was never stored`);
    return memo.get(i);
  };
  const global = (module: string, name: string): unknown => resolveGlobal(module, name);

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw bad('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(bytes(u8())));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        stack.push(decodeLong(bytes(n)));
        break;
      }
      case 0x49: {
        // INT (text): "01"/"00" are True/False in protocol 0
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : toNumber(BigInt(s)));
        break;
      }
      case 0x4c: // LONG (text)
        stack.push(toNumber(BigInt(line().replace(/L$/, ''))));
        break;
      case 0x46: // FLOAT (text)
        stack.push(Number.parseFloat(line()));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(decodeStr(bytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decodeStr(bytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(decodeStr(bytes(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        stack.push(
          line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16))),
        );
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(decodeStr(bytes(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(decodeStr(bytes(i32())));
        break;
      case 0x53: {
        // STRING (a quoted repr)
        const s = line();
        stack.push(s.slice(1, -1));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(bytes(u64()).slice());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x6c: // LIST
      case 0x74: {
        // TUPLE (popMark replaces `stack`: take the items before pushing)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }
      case 0x64: {
        // DICT
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x68: // BINGET
        stack.push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(u32()));
        break;
      case 0x67: // GET (text)
        stack.push(memoGet(Number.parseInt(line(), 10)));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT (text)
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          throw bad('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(apply(fn, args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(apply(cls, args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (kwargs instanceof Map && kwargs.size > 0)
          throw refusedOpcode('NEWOBJ_EX', 'with keyword arguments');
        stack.push(apply(cls, args, 'NEWOBJ_EX'));
        break;
      }
      case 0x69: {
        // INST "module\nname\n" with the arguments since MARK
        const module = line();
        const cls = global(module, line());
        const args = popMark();
        stack.push(apply(cls, args, 'INST'));
        break;
      }
      case 0x6f: {
        // OBJ: MARK cls args...
        const items = popMark();
        stack.push(apply(items[0], items.slice(1), 'OBJ'));
        break;
      }
      case 0x62: {
        // BUILD: a dict's or tensor's __setstate__ (OrderedDict `_metadata`, tensor hooks): data
        // nn does not need. Anything else would set attributes of a Python object: refused.
        pop();
        const obj = top();
        if (!(obj instanceof Map || obj instanceof TorchTensorRef || obj instanceof Set))
          throw refusedOpcode('BUILD', 'on an object that is not a dict or a tensor');
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x50: // PERSID (text)
        stack.push(persistentLoad(line()));
        break;
      case 0x82:
      case 0x83:
      case 0x84:
        throw refusedOpcode('EXT1/EXT2/EXT4', 'which looks objects up in the copyreg extension registry');
      case 0x97:
      case 0x98:
        throw refusedOpcode('NEXT_BUFFER/READONLY_BUFFER', 'out-of-band buffers that are not in the file');
      default:
        throw bad(`unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1}`);
    }
  }
}

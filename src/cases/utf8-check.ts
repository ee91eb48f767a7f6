import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { inputError } from '../errors.js';

const NEWLINE = 0x0a;

/**
 * Byte offsets of the newlines a stream has passed, so a parser downstream can turn a record's
 * start offset into a line number. Queries must come in increasing offset order; offsets already
 * passed are dropped, so memory stays bounded by what is buffered between the two streams.
 */
export class LineIndex {
  private offsets: number[] = [];
  private head = 0;
  private linesBefore = 0;

  /** Records the newlines of `chunk`, which starts at byte `base`; returns how many it held. */
  add(chunk: Buffer, base: number): number {
    let count = 0;
    for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) {
      this.offsets.push(base + i);
      count++;
    }
    return count;
  }

  /** The 1-based line holding byte `offset`. */
  lineAt(offset: number): number {
    while (this.head < this.offsets.length && this.offsets[this.head] < offset) {
      this.head++;
      this.linesBefore++;
    }
    if (this.head > 4096 && this.head * 2 > this.offsets.length) {
      this.offsets = this.offsets.slice(this.head);
      this.head = 0;
    }
    return this.linesBefore + 1;
  }
}

/**
 * A pass-through stream that refuses bytes that are not UTF-8 (PromptgateError CASE_INVALID
 * naming the line), checking chunk by chunk without decoding: a multi-byte character split
 * across chunks is carried over to the next one. It also feeds `lines` for the parser after it.
 */
export class Utf8Check extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;
  private newlines = 0;

  constructor(
    private readonly file: string,
    private readonly lines?: LineIndex,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const complete = completeLength(data);
    if (!isUtf8(data.subarray(0, complete))) {
      callback(this.invalid(data.subarray(0, complete)));
      return;
    }
    this.carry = Buffer.from(data.subarray(complete));
    const count = this.lines ? this.lines.add(chunk, this.offset) : countNewlines(chunk);
    this.newlines += count;
    this.offset += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.carry.length > 0 ? this.invalid(this.carry) : null);
  }

  /** `data` begins on line newlines + 1 (a carried partial character holds no newline). */
  private invalid(data: Buffer) {
    let line = this.newlines + 1;
    let start = 0;
    for (;;) {
      const end = data.indexOf(NEWLINE, start);
      if (!isUtf8(data.subarray(start, end === -1 ? data.length : end)) || end === -1) break;
      line++;
      start = end + 1;
    }
    return invalidUtf8(this.file, line);
  }
}

/** The error for bytes that are not UTF-8 on `line`. */
export function invalidUtf8(file: string, line: number) {
  return inputError('CASE_INVALID', 'invalid UTF-8', { file, line }, 'save the file as UTF-8');
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) count++;
  return count;
}

/** Length of `data` without a trailing, still incomplete multi-byte sequence. */
function completeLength(data: Buffer): number {
  let i = data.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && (data[i] & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return data.length;
  const lead = data[i];
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return needed > continuation + 1 ? i : data.length;
}

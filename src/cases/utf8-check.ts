import { isUtf8 } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';
import { inputError } from '../errors.js';

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Offsets (from `base`) of the line breaks in `chunk`: LF, CRLF (counted at the LF) and a lone CR
 * (old Mac files). A CR that ends the chunk cannot be decided yet: it is returned as `pendingCR`,
 * and the next call (`afterCR`) counts it unless that chunk starts with LF.
 */
function lineBreaks(chunk: Buffer, base: number, afterCR: number | undefined): { offsets: number[]; pendingCR?: number } {
  const offsets: number[] = [];
  if (afterCR !== undefined && chunk.length > 0 && chunk[0] !== NEWLINE) offsets.push(afterCR);
  if (afterCR !== undefined && chunk.length === 0) return { offsets, pendingCR: afterCR };
  for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) offsets.push(base + i);
  let pendingCR: number | undefined;
  let lone = false;
  for (let i = chunk.indexOf(CR); i !== -1; i = chunk.indexOf(CR, i + 1)) {
    if (i + 1 === chunk.length) pendingCR = base + i;
    else if (chunk[i + 1] !== NEWLINE) {
      offsets.push(base + i);
      lone = true;
    }
  }
  // Mixed line ends: keep the offsets in order.
  if (lone) offsets.sort((a, b) => a - b);
  return { offsets, pendingCR };
}

/**
 * Byte offsets of the line breaks (LF, CRLF or a lone CR) a stream has passed, so a parser
 * downstream can turn a record's start offset into a line number. Queries must come in
 * increasing offset order; offsets already passed are dropped, so memory stays bounded by what
 * is buffered between the two streams.
 */
export class LineIndex {
  private offsets: number[] = [];
  private head = 0;
  private linesBefore = 0;
  private pendingCR: number | undefined;

  /** Records the line breaks of `chunk`, which starts at byte `base`; returns their offsets. */
  add(chunk: Buffer, base: number): number[] {
    const found = lineBreaks(chunk, base, this.pendingCR);
    this.pendingCR = found.pendingCR;
    for (const offset of found.offsets) this.offsets.push(offset);
    return found.offsets;
  }

  /** Whether the last chunk ended with a CR not yet counted (see lineBreaks). */
  get pending(): boolean {
    return this.pendingCR !== undefined;
  }

  /** The input ended: a CR at its very end was a line break. */
  finish(): void {
    if (this.pendingCR !== undefined) this.offsets.push(this.pendingCR);
    this.pendingCR = undefined;
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

/** A physical line longer than the limit given to Utf8Check: the record that holds it is at least that long. */
export class LongLineError extends Error {
  readonly code = 'LONG_LINE';
}

/** Bytes of one physical line after which Utf8Check holds the rest of it back from the parser (see `maxLineBytes`). */
const HOLD_AFTER_BYTES = 256 * 1024;

/**
 * A pass-through stream that refuses bytes that are not UTF-8 (PromptgateError CASE_INVALID
 * naming the line), checking chunk by chunk without decoding: a multi-byte character split
 * across chunks is carried over to the next one. It also feeds `lines` for the parser after it.
 *
 * With `maxLineBytes`, a physical line longer than that fails the stream with a LongLineError, and
 * past its first 256 KB such a line is held back until it ends, so the parser after it never
 * walks megabytes of a record that is refused anyway (csv-parse takes ~1.5 s per 10 MB).
 */
export class Utf8Check extends Transform {
  private carry: Buffer = Buffer.alloc(0);
  private offset = 0;
  private newlines = 0;
  /** Without a LineIndex: a CR that ended the last chunk (see lineBreaks). */
  private pendingCR: number | undefined;
  /** Bytes of the current physical line so far. */
  private lineBytes = 0;
  /** Chunks of a long current line held back from the parser. */
  private held: Buffer[] = [];

  constructor(
    private readonly file: string,
    private readonly lines?: LineIndex,
    private readonly maxLineBytes?: number,
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
    let breaks: number[];
    if (this.lines) breaks = this.lines.add(chunk, this.offset);
    else {
      const found = lineBreaks(chunk, this.offset, this.pendingCR);
      this.pendingCR = found.pendingCR;
      breaks = found.offsets;
    }
    this.newlines += breaks.length;
    this.offset += chunk.length;
    if (this.maxLineBytes === undefined) {
      callback(null, chunk);
      return;
    }
    this.lineBytes = breaks.length > 0 ? this.offset - (breaks[breaks.length - 1] + 1) : this.lineBytes + chunk.length;
    if (this.held.length > 0 || (breaks.length === 0 && this.lineBytes > HOLD_AFTER_BYTES)) {
      if (breaks.length === 0) {
        if (this.lineBytes > this.maxLineBytes) {
          this.held = [];
          callback(new LongLineError(`line ${this.newlines + 1} is longer than ${this.maxLineBytes} bytes`));
          return;
        }
        this.held.push(chunk);
        callback();
        return;
      }
      // The long line ended within the limit: let it through.
      const release = Buffer.concat([...this.held, chunk]);
      this.held = [];
      callback(null, release);
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.lines?.finish();
    if (this.carry.length > 0) {
      callback(this.invalid(this.carry));
      return;
    }
    if (this.held.length > 0) this.push(Buffer.concat(this.held));
    this.held = [];
    callback();
  }

  /** `data` begins on line newlines + 1 (a carried partial character holds no line break). */
  private invalid(data: Buffer) {
    const pending = this.lines ? this.lines.pending : this.pendingCR !== undefined;
    const { offsets } = lineBreaks(data, 0, pending ? -1 : undefined);
    let line = this.newlines + 1;
    let start = 0;
    for (const end of offsets) {
      if (end < 0) {
        line++; // the CR that ended the previous chunk
        continue;
      }
      if (!isUtf8(data.subarray(start, end))) return invalidUtf8(this.file, line);
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

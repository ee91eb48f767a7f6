import { Writable } from 'node:stream';

/** A stream that keeps what is written to it, for `stdout` / `stderr` of an API call (`run(options, { stdout, … })`). */
export function sink(): { stream: NodeJS.WritableStream; text(): string } {
  let text = '';
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

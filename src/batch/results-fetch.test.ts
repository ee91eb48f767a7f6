import { describe, expect, it } from 'vitest';
import { createResultsFetch, TOO_LARGE_RESULT } from './results-fetch.js';

/** The text the results fetch passes on for a body sent in these chunks. */
async function through(chunks: string[], maxLineBytes: number, init: RequestInit = {}): Promise<{ text: string; sent: Headers }> {
  let sent = new Headers();
  const base = (async (_input: unknown, given: RequestInit = {}) => {
    sent = new Headers(given.headers);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-length': '999', 'content-encoding': 'gzip' } });
  }) as typeof fetch;
  const response = await createResultsFetch({ maxLineBytes, fetch: base, dropAuth: true })('http://127.0.0.1/x', init);
  expect(response.headers.get('content-encoding')).toBeNull();
  return { text: await response.text(), sent };
}

const tooLarge = (customId: string | null, limit: number) => JSON.stringify({ custom_id: customId, result: { type: TOO_LARGE_RESULT, limit } });

describe('results fetch: maxResponseBytes per line', () => {
  it('passes lines through whole, whatever the chunks, with or without a last newline', async () => {
    const lines = ['{"custom_id":"a","result":{}}', '{"custom_id":"b","result":{"x":"ééé"}}', '{"custom_id":"c"}'];
    const whole = `${lines.join('\n')}\n`;
    expect((await through([whole], 64)).text).toBe(whole);
    expect((await through([...whole], 64)).text).toBe(whole); // one character a chunk
    expect((await through([whole.slice(0, 40), whole.slice(40)], 64)).text).toBe(whole);
    expect((await through([lines.join('\n')], 64)).text).toBe(whole);
  });

  it('replaces a line past the cap by a too-large line under its custom id, and goes on with the next lines', async () => {
    const big = `{"custom_id":"big","result":{"text":"${'x'.repeat(200)}"}}`;
    const chunks = ['{"custom_id":"a"}\n{"custom_id":"big",', big.slice(18, 120), `${big.slice(120)}\n{"custom_id":"c"}\n`];
    expect((await through(chunks, 100)).text).toBe(`{"custom_id":"a"}\n${tooLarge('big', 100)}\n{"custom_id":"c"}\n`);
    // A body that never ends its line (an inflating bomb): one too-large line, no custom id to read.
    expect((await through([' '.repeat(500), ' '.repeat(500)], 100)).text).toBe(`${tooLarge(null, 100)}\n`);
  });

  it('sends no key header for an entry that sends none', async () => {
    const { sent } = await through(['{}\n'], 64, { headers: { 'x-api-key': 'k', authorization: 'Bearer k', accept: 'application/binary' } });
    expect(sent.get('x-api-key')).toBeNull();
    expect(sent.get('authorization')).toBeNull();
    expect(sent.get('accept')).toBe('application/binary');
  });
});

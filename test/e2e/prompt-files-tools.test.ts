import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/cli.js';
import { runCliInProcess } from '../helpers/cli-in-process.js';
import { commitFiles, gitIn, initRepo } from '../helpers/git-repo.js';
import { textOf } from '../helpers/mock-server.js';
import { startOpenAIServer, type MockServer } from '../helpers/openai-server.js';
import { readCalls, readRun, runFolders } from '../helpers/runs.js';

/**
 * Issue 17, prompt and case files: a case's conversation reaches the server as exactly the message
 * list it should (template system message, the conversation, the template's last turn), from JSONL
 * and CSV; a prompt's tools file is part of its content, so changing only that file without a
 * version bump is caught by `ci` (and `check`), and a bumped change is compared with the base's tools.
 */
describe('prompt files and cases with tools and conversations', () => {
  let server: MockServer;
  const dirs: string[] = [];
  const config = () => `export default { models: { m: { provider: 'openai', model: 'agent-1', baseURL: '${server.url}', apiKeyEnv: 'MOCK_KEY' } }, defaultModel: 'm', gate: { maxRegressions: 0 } };\n`;
  const env = { MOCK_KEY: 'k' };

  beforeAll(async () => {
    server = await startOpenAIServer({ respond: (req) => ({ content: `Noted: ${textOf(req.messages.at(-1)?.content)}. It arrives on Tuesday.` }) });
  });
  afterAll(async () => {
    await server.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('a 3-turn conversation case (JSONL and CSV) reaches the server as exactly the expected message list', async () => {
    const conversation = [
      { role: 'user', content: 'Where is order A1?' },
      { role: 'assistant', content: 'Order A1 has shipped.' },
    ];
    const csvConversation = [
      { role: 'user', content: 'Hi, it is "Ann": where is B2?' },
      { role: 'assistant', content: 'B2 is, with commas, packed.' },
    ];
    const cell = (value: unknown) => `"${JSON.stringify(value).replace(/"/g, '""')}"`;
    const dir = await makeProject({
      'eval.config.mjs': config(),
      'prompts/support.prompt': '---\nversion: 1.0.0\n---\n{{role "system"}}\nYou are a support agent.\n{{role "user"}}\n{{question}}\n',
      'evals/support/chat.jsonl': `${JSON.stringify({ id: 'three-turns', vars: { question: 'And when will it arrive?' }, messages: conversation, expected: 'contains:Tuesday' })}\n`,
      'evals/support/chat.csv': `__id,question,__messages,__expected\ncsv-turns,When does B2 arrive?,${cell(csvConversation)},contains:Tuesday\n`,
    });
    dirs.push(dir);
    server.reset();
    const result = await runCliInProcess(['run'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(server.count).toBe(2);
    const sent = (question: string) => server.requests.find((request) => textOf(request.messages.at(-1)?.content) === question)?.body.messages;
    expect(sent('And when will it arrive?')).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      ...conversation,
      { role: 'user', content: 'And when will it arrive?' },
    ]);
    expect(sent('When does B2 arrive?')).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      ...csvConversation,
      { role: 'user', content: 'When does B2 arrive?' },
    ]);
    const [runDir] = await runFolders(dir);
    const run = await readRun(runDir);
    expect(run.cases.map((c) => [c.caseId, c.status]).sort()).toEqual([['csv-turns', 'pass'], ['three-turns', 'pass']]);
    // calls.jsonl logs the messages as sent.
    const calls = await readCalls(runDir);
    expect(calls.find((call) => call.caseId === 'three-turns')?.messages).toHaveLength(4);
  });

  it('ci asks for a version bump when only the tools file changed; a bumped change compares against the base\'s tools', async () => {
    const tools = (amountType: string) => `${JSON.stringify([
      { type: 'function', function: { name: 'refund', description: 'Refund an order', parameters: { type: 'object', properties: { order_id: { type: 'string' }, amount: { type: amountType } }, required: ['order_id', 'amount'] } } },
    ], null, 2)}\n`;
    const prompt = (version: string) => `---\nversion: ${version}\nmodel: m\ntools: file://tools/support.json\ntoolChoice: auto\n---\n{{role "system"}}\nYou are a support agent.\n{{role "user"}}\n{{question}}\n`;
    const dir = await makeProject({});
    dirs.push(dir);
    initRepo(dir);
    await commitFiles(
      dir,
      {
        'eval.config.mjs': config(),
        'prompts/support.prompt': prompt('1.0.0'),
        'prompts/tools/support.json': tools('number'),
        'evals/support.csv': 'question,__expected\nRefund A1 please,contains:Tuesday\n',
        '.gitignore': 'reports/\n.promptgate-cache/\n',
      },
      'support prompt with a tools file',
    );

    // An uncommitted edit of the tools file alone: `check` (against HEAD) asks for the bump.
    await writeFile(join(dir, 'prompts/tools/support.json'), tools('string'));
    const check = await runCliInProcess(['check'], { cwd: dir, env });
    expect(check.code, check.stderr).toBe(1);
    expect(check.stderr).toContain('prompts/support.prompt: its tools file changed (prompts/tools/support.json) but version is still 1.0.0 (bump it; compared with HEAD');

    // A branch that changes only the tools file: ci stops before calling any model.
    gitIn(dir, 'checkout', '-q', '-b', 'no-bump');
    await commitFiles(dir, { 'prompts/tools/support.json': tools('string') }, 'amount as a string');
    server.reset();
    const refused = await runCliInProcess(['ci', '--base', 'main'], { cwd: dir, env });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('promptgate: prompts/support.prompt: its tools file changed (prompts/tools/support.json) but version is still 1.0.0 (bump it; compared with merge base');
    expect(server.count).toBe(0);

    // Bumped: the suite is compared, the baseline with the tools file it had at the base.
    await commitFiles(dir, { 'prompts/support.prompt': prompt('1.0.1') }, 'bump');
    const compared = await runCliInProcess(['ci', '--base', 'main'], { cwd: dir, env });
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toContain('support: prompt changed: prompts/support.prompt; tools changed: prompts/tools/support.json');
    const [runDir] = await runFolders(dir);
    const calls = await readCalls(runDir);
    const amountType = (side: string) => calls.filter((call) => call.side === side).map((call) => call.tools?.[0]?.inputSchema?.properties?.amount?.type);
    expect(amountType('baseline')).toEqual(['number']);
    expect(amountType('candidate')).toEqual(['string']);
    expect(calls.every((call) => call.toolChoice === 'auto')).toBe(true);
    const run = await readRun(runDir);
    const hashes = Object.fromEntries(run.prompts.map((p) => [p.side, p.hash]));
    expect(hashes.baseline).not.toBe(hashes.candidate);
  });
});

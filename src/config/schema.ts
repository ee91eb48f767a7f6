import {
  DEFAULT_ADAPTIVE, DEFAULT_BATCH, DEFAULT_CONCURRENCY, DEFAULT_GATE, DEFAULT_MAX_CALL_MS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_WAIT_MS, DEFAULT_PATHS,
  DEFAULT_REPEAT, DEFAULT_REPORTERS, DEFAULT_TIMEOUT_MS,
} from './defaults.js';
import { PROVIDER_KINDS } from '../providers/types.js';

/**
 * JSON Schema (draft-07) of `UserConfig` (types.ts): every key with its description and default.
 * `additionalProperties: false` everywhere, so a misspelt key is an error, not a silent no-op.
 *
 * Two non-standard keywords, both registered with ajv in validate.ts:
 * - `typeof: "function"` (as in ajv-keywords): JSON cannot hold functions, but a TS/JS config can
 *   (custom providers, graders). Editors ignore the keyword, so such a branch accepts anything there.
 * - `patternErrorMessage` (understood by VS Code): what a `pattern` means, for error messages.
 */

const FUNCTION = { typeof: 'function' } as const;
const positiveInteger = <E extends object = object>(description: string, extra?: E) => ({ type: 'integer', minimum: 1, description, ...extra }) as { type: string; minimum: number; description: string } & E;
const fraction = <E extends object = object>(description: string, extra?: E) => ({ type: 'number', minimum: 0, maximum: 1, description, ...extra }) as { type: string; minimum: number; maximum: number; description: string } & E;
const path = (description: string, fallback: string) => ({ type: 'string', minLength: 1, description, default: fallback });

export { PROVIDER_KINDS };

/** `defineProvider({ id, call })`: other own keys are the plug-in's business. */
const CUSTOM_PROVIDER = {
  title: 'defineProvider({ id, call })',
  type: 'object',
  description: 'A custom provider (defineProvider): a stable id, part of every cache key, and call(request, { signal }).',
  properties: {
    id: { type: 'string', pattern: '^\\S+$', patternErrorMessage: 'must be a non-empty id without spaces (e.g. "acme-gateway")' },
    call: FUNCTION,
  },
  required: ['id', 'call'],
};

/** A Reporter object (defineReporter): a name and optional hooks; other own keys are the reporter's state. */
const REPORTER_OBJECT = {
  title: 'a Reporter object',
  type: 'object',
  description: 'A Reporter object (defineReporter): a name and hooks.',
  properties: {
    name: { type: 'string', minLength: 1 },
    onRunStart: FUNCTION,
    onCallDone: FUNCTION,
    onNotice: FUNCTION,
    onCaseResult: FUNCTION,
    onRunEnd: FUNCTION,
  },
  required: ['name'],
};
export const REPORTER_NAMES = ['console', 'json', 'junit', 'markdown', 'html', 'csv'] as const;

const modelConfig = {
  type: 'object',
  description: 'One model: a name users refer to, mapped to a provider and model id.',
  properties: {
    provider: {
      description: `${PROVIDER_KINDS.map((kind) => `\`${kind}\``).join(', ')}, or a custom provider: \`defineProvider({ id, call })\` or a function.`,
      anyOf: [{ type: 'string', enum: [...PROVIDER_KINDS] }, CUSTOM_PROVIDER, FUNCTION],
    },
    model: { type: 'string', minLength: 1, description: 'The model id sent to the API (e.g. `gpt-4o-mini`).' },
    params: { type: 'object', description: "Request params (temperature, max_tokens, ...). A prompt's front-matter `config` overrides them." },
    baseURL: {
      type: 'string',
      pattern: '^https?://',
      patternErrorMessage: 'must be an http(s) URL (e.g. "http://127.0.0.1:11434/v1")',
      description: 'For `openai`: any OpenAI-compatible server. For `anthropic`: a proxy or local server.',
    },
    apiKeyEnv: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      patternErrorMessage: 'must be the name of an environment variable (e.g. "OPENAI_API_KEY"), not the key itself',
      description: 'Name of the environment variable holding the API key (keys come from the environment only). Default: OPENAI_API_KEY / ANTHROPIC_API_KEY on the API\'s own endpoint; a custom baseURL without apiKeyEnv is sent no key.',
    },
    concurrency: positiveInteger('Requests in flight for this model at most. Default: the global concurrency.'),
    rpm: { type: 'number', exclusiveMinimum: 0, description: 'Requests per minute at most. Default: unlimited.' },
    tpm: { type: 'number', exclusiveMinimum: 0, description: 'Tokens per minute at most (input + output, estimated before the call). Default: unlimited.' },
    timeoutMs: positiveInteger('Per-call timeout in ms.', { default: DEFAULT_TIMEOUT_MS }),
    maxRetries: { type: 'integer', minimum: 0, description: 'Retries after the first attempt for retryable faults.', default: DEFAULT_MAX_RETRIES },
    maxRetryWaitMs: { type: 'integer', minimum: 0, description: 'Longest wait before a retry, in ms: a longer Retry-After is cut to it.', default: DEFAULT_MAX_RETRY_WAIT_MS },
    maxCallMs: positiveInteger(
      'Longest time one call may take, in ms, over all its attempts and the waits between them (queueing for a concurrency slot or an rpm/tpm window does not count); past it the call errors with deadline_exceeded.',
      { default: DEFAULT_MAX_CALL_MS },
    ),
    maxResponseBytes: positiveInteger('Largest response body, in bytes, as received and after decompression; past it the call errors with response_too_large.', { default: DEFAULT_MAX_RESPONSE_BYTES }),
    price: {
      type: 'object',
      description: 'USD per million tokens; overrides the built-in price table.',
      properties: {
        input: { type: 'number', minimum: 0, description: 'USD per million input tokens.' },
        output: { type: 'number', minimum: 0, description: 'USD per million output tokens.' },
      },
      required: ['input', 'output'],
      additionalProperties: false,
    },
    batch: { type: 'boolean', description: "Send this model's calls through its provider's Batch API (openai, anthropic), as `--batch` does for every model.", default: false },
    replayOf: { type: 'string', minLength: 1, description: 'For `replay`: the recorded model this replays (fixtures are looked up under this name). Default: the model name.' },
  },
  required: ['provider', 'model'],
  additionalProperties: false,
};

const gateConfig = {
  type: 'object',
  description: 'The regression gate of `compare`, `ci` and `drift` (and the floor of `run`).',
  properties: {
    maxRegressions: {
      type: 'integer',
      minimum: 0,
      description: 'An explicit policy for deterministic suites (temperature 0, replay): fail when more cases than this are labelled regressed, and pass when no more are. Off by default (the statistical gate decides).',
    },
    minPassRate: fraction('Candidate pass rate significantly below this fails the gate (and `run`). 0..1.', { default: DEFAULT_GATE.minPassRate }),
    maxScoreDrop: fraction('Drop in mean score (baseline − candidate) tolerated. 0..1.', { default: DEFAULT_GATE.maxScoreDrop }),
    alpha: { type: 'number', exclusiveMinimum: 0, maximum: 0.5, description: 'Significance level: the whole comparison fails at most this often when nothing changed.', default: DEFAULT_GATE.alpha },
    margin: fraction('Non-inferiority margin: a suite × model passes when the lower confidence bound of the pass-rate change is above −margin. 0..1.', { default: DEFAULT_GATE.margin }),
    inconclusive: {
      type: 'string',
      enum: ['fail', 'pass', 'neutral'],
      description: 'What `ci` does with an inconclusive gate: exit 1 (`fail`), exit 0 (`pass`, still reported as inconclusive), or exit 4 (`neutral`).',
      default: DEFAULT_GATE.inconclusive,
    },
    baselineCache: {
      type: 'boolean',
      description: "Reuse the baseline's cached answers in `compare` and `ci` even when its draws are noisy (repeat > 1 or temperature not 0), instead of drawing them fresh; every report says so. Same as `--baseline-cache`.",
      default: DEFAULT_GATE.baselineCache,
    },
  },
  additionalProperties: false,
};

const adaptiveConfig = {
  type: 'object',
  description: 'Adaptive repeats: round 1 runs every case startRepeats times a side; later rounds add repeats only to the cases whose draws disagree, until the gate fails or the budget is spent.',
  properties: {
    startRepeats: { type: 'integer', minimum: 2, description: 'Repeats a side every case runs in round 1.', default: DEFAULT_ADAPTIVE.startRepeats },
    maxRepeats: { type: 'integer', minimum: 2, description: 'Most repeats a side any case gets (at least startRepeats).', default: DEFAULT_ADAPTIVE.maxRepeats },
    budget: { type: 'number', minimum: 2, description: 'Calls per case per side on average over the whole run, round 1 included: the cost of `--repeat <budget>` (at least startRepeats).', default: DEFAULT_ADAPTIVE.budget },
  },
  additionalProperties: false,
};

const assertionConfig = {
  type: 'object',
  description: 'A grader spec as an object.',
  properties: {
    type: { type: 'string', minLength: 1, description: 'Grader type (`contains`, `rubric`, `not-regex`, ...).' },
    value: { description: 'The expected value, pattern, schema, criteria or grader name.' },
    weight: { type: 'number', minimum: 0, description: "Weight in the case's weighted score.", default: 1 },
    threshold: { type: 'number', minimum: 0, description: 'Minimum score to pass (0..1), or the limit for latency (ms) / cost (USD).' },
    metric: { type: 'string', description: 'A name to group scores by.' },
    config: { type: 'object', description: "promptfoo's assertion `config`: code graders (`javascript`, `python`) get it as `context.config`." },
  },
  required: ['type'],
  additionalProperties: false,
};

const suiteConfig = {
  type: 'object',
  description: 'An explicit pairing of a prompt with cases, models and graders.',
  properties: {
    name: { type: 'string', minLength: 1, description: 'Suite name (for `run <suite>` and reports). Default: the prompt id.' },
    prompt: { type: 'string', minLength: 1, description: 'Prompt id (a file in `prompts/`) or a path to a .prompt file.' },
    cases: { type: 'string', minLength: 1, description: 'Case file, folder, or glob. Default: evals/<prompt id>.csv|.jsonl|<prompt id>/.' },
    models: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Model names (keys of `models`) this suite runs on.' },
    repeat: positiveInteger('Calls per case and model, for this suite.'),
    concurrency: positiveInteger('Requests in flight at most, for this suite.'),
    assert: {
      type: 'array',
      description: 'Grader specs applied to every case of the suite.',
      // Inline, not a $ref: error reporting matches anyOf branches by schema path.
      items: { anyOf: [{ type: 'string', minLength: 1 }, assertionConfig] },
    },
  },
  required: ['prompt'],
  additionalProperties: false,
};

/** The config schema; `schemas/config.schema.json` is generated from it. */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'promptgate config',
  description: 'What eval.config.ts exports: `export default defineConfig({...})`. Every key is optional.',
  type: 'object',
  properties: {
    models: {
      type: 'object',
      description: 'Model name → provider and model id.',
      additionalProperties: { $ref: '#/definitions/ModelConfig' },
    },
    batch: {
      type: 'object',
      description: 'Batch mode (`--batch`, or `batch: true` on a model entry): how failed lines are retried, how often batches are polled, how long to wait.',
      properties: {
        retry: { type: 'string', enum: ['batch', 'direct'], description: 'Lines that failed or expired: sent again in a new batch (`batch`) or as normal calls (`direct`).', default: DEFAULT_BATCH.retry },
        pollMs: { type: 'integer', minimum: 1, description: 'Time between status polls, in ms.', default: DEFAULT_BATCH.pollMs },
        timeoutMs: { type: 'integer', minimum: 1, description: 'Longest wait for batches, in ms; past it the run stops, resumable with `--resume` (exit 3).', default: DEFAULT_BATCH.timeoutMs },
      },
      additionalProperties: false,
    },
    budget: {
      type: 'object',
      description: 'A cost budget for run, compare, ci and drift (`--max-cost` wins over it).',
      properties: {
        maxCostUsd: { type: 'number', exclusiveMinimum: 0, description: 'Refuse to start when the estimate is above it (unless `--allow-over-estimate`); stop new calls before spending more (exit 3).' },
      },
      additionalProperties: false,
    },
    defaultModel: { type: 'string', minLength: 1, description: 'Model name used when neither flags, suite nor prompt name one.' },
    judge: { type: 'string', minLength: 1, description: 'Model name rubric graders use as the judge.' },
    embedding: {
      type: 'string',
      minLength: 1,
      description: 'Model name (an `openai` entry of `models`, e.g. model `text-embedding-3-small`) whose embeddings endpoint `similar` and `answer-relevance` use.',
    },
    moderation: {
      type: 'string',
      minLength: 1,
      description: 'Model name (an `openai` entry of `models`, e.g. model `omni-moderation-latest`) whose moderations endpoint the `moderation` grader asks.',
    },
    concurrency: positiveInteger('Requests in flight at most, over all models.', { default: DEFAULT_CONCURRENCY }),
    repeat: positiveInteger('Calls per case and model.', { default: DEFAULT_REPEAT }),
    gate: { $ref: '#/definitions/GateConfig' },
    adaptive: {
      description: 'Adaptive repeats for `compare` and `ci`: true (the defaults), their settings (on), or false (off). `--adaptive` turns them on with these settings, `--no-adaptive` off.',
      anyOf: [{ type: 'boolean' }, { $ref: '#/definitions/AdaptiveConfig' }],
      default: false,
    },
    suites: {
      type: 'array',
      description: 'Explicit pairings. Default: prompts/<id>.prompt with evals/<id>.csv|.jsonl|<id>/.',
      items: { $ref: '#/definitions/SuiteConfig' },
    },
    graders: {
      type: 'object',
      description: 'Named graders for `js:<name>`: a function (output, context) => result | boolean | score (defineGrader), or the path of a module (relative to the project root) whose default export is one.',
      additionalProperties: { anyOf: [FUNCTION, { type: 'string', minLength: 1 }] },
    },
    prompts: path('Folder of .prompt files.', DEFAULT_PATHS.prompts),
    evals: path('Folder of test case files.', DEFAULT_PATHS.evals),
    fixtures: path('Folder of recorded responses and fixtures.', DEFAULT_PATHS.fixtures),
    reports: path('Folder run outputs are written to.', DEFAULT_PATHS.reports),
    cache: {
      description: 'Response cache folder, or false to disable.',
      anyOf: [{ type: 'string', minLength: 1 }, { type: 'boolean', const: false }],
      default: DEFAULT_PATHS.cache,
    },
    reporters: {
      type: 'array',
      description: `Reporters run by run, compare, ci, drift and merge: a built-in name (${REPORTER_NAMES.join(', ')}), a Reporter object (defineReporter), a module path (relative to the project root) or package name whose default export is a Reporter or a factory, or [module, options].`,
      items: {
        anyOf: [
          { type: 'string', minLength: 1 },
          REPORTER_OBJECT,
          // [module, options]: the order is checked when the module loads (strict ajv refuses an optional tuple item).
          { title: '[module, options]', type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] }, minItems: 1, maxItems: 2 },
        ],
      },
      default: DEFAULT_REPORTERS,
    },
    ignoreCases: {
      type: 'array',
      description: 'Case files under `evals` that belong to no suite on purpose: globs relative to the project root (e.g. `evals/archive/**`). Any other case file there that pairs with no prompt or suite is an input error.',
      items: { type: 'string', minLength: 1 },
      default: [],
    },
    grading: {
      type: 'object',
      description: "Settings of the model-graded graders (promptfoo's test `options`).",
      properties: {
        factuality: {
          type: 'object',
          description: "The score 0..1 of each `factuality` category (promptfoo's `options.factuality`); a category scoring 0 fails, any other passes.",
          properties: {
            subset: fraction('(A) the output is a subset of the expert answer, consistent with it.', { default: 1 }),
            superset: fraction('(B) the output is a superset of the expert answer, consistent with it.', { default: 1 }),
            agree: fraction('(C) the output has the same details as the expert answer.', { default: 1 }),
            disagree: fraction('(D) the output and the expert answer disagree.', { default: 0 }),
            differButFactual: fraction("(E) they differ in ways that don't matter for factuality.", { default: 1 }),
          },
          additionalProperties: false,
        },
      },
      additionalProperties: false,
    },
    registry: {
      type: 'object',
      description: 'The prompt registry that `publish`, `promote`, `rollback` and `status` use.',
      properties: {
        store: {
          type: 'string',
          minLength: 1,
          description: 'Store URL: `file:<dir>` (relative to the project root), `postgres://…` or read-only `https://…`. `--store` wins over it; without either, the PROMPTGATE_STORE environment variable, else `file:./registry`. Keep passwords out of the config: put a postgres URL with a password in PROMPTGATE_STORE.',
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
  definitions: {
    ModelConfig: modelConfig,
    GateConfig: gateConfig,
    AdaptiveConfig: adaptiveConfig,
    SuiteConfig: suiteConfig,
  },
};

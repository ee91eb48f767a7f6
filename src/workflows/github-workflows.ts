/**
 * GitHub Actions workflows `promptgate init --ci github` writes. Both use promptgate's action
 * (action.yml at the root of promptgate's repository: `uses: <owner>/<repo>@v0`, see
 * docs/github-action.md). `${{ … }}` below are GitHub expressions (escaped for the template
 * literal). Both share the response-cache key scheme, so answers fetched by the nightly run on
 * the default branch are reused by pull-request runs.
 */

/** What `uses:` names: the repository that publishes promptgate's action.yml, at its major version tag. */
export const PROMPTGATE_ACTION = 'promptgate/promptgate@v0';

/** Shards of the nightly drift check (the matrix). */
const DRIFT_SHARDS = 4;

const CACHE_STEP = `      # The response cache (.promptgate-cache) persists between runs. A new entry is saved each
      # run (keyed by run id); restore-keys pick the newest one for the same prompts and cases,
      # else any. Entries are addressed by the exact request, so an old one is never wrong.
      - name: Restore the response cache
        uses: actions/cache@v4
        with:
          path: .promptgate-cache
          key: promptgate-\${{ hashFiles('prompts/**', 'evals/**') }}-\${{ github.run_id }}\${{ matrix.shard && format('-{0}', matrix.shard) || '' }}
          restore-keys: |
            promptgate-\${{ hashFiles('prompts/**', 'evals/**') }}-
            promptgate-`;

const SETUP_STEPS = `      - name: Set up Node.js
        uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - name: Install dependencies (promptgate is a devDependency)
        run: npm ci`;

const KEYS = `        env:
          # Only the keys your models use; they are read from the environment, never logged.
          OPENAI_API_KEY: \${{ secrets.OPENAI_API_KEY }}
          ANTHROPIC_API_KEY: \${{ secrets.ANTHROPIC_API_KEY }}`;

export const PR_WORKFLOW = `# promptgate: the pull-request gate for prompts.
# Checks that every changed prompt bumped its version, compares the suites the PR changed with the
# base branch (merge base), and reports: job summary, JUnit XML, annotations on the prompt files,
# and ONE pull-request comment, updated on every push. Fails with the gate's exit code.
name: promptgate

on:
  pull_request:
    paths:
      - 'prompts/**'
      - 'evals/**'
      - 'fixtures/**'
      - 'eval.config.*'
      - 'prompts.lock.json'

permissions:
  contents: read
  pull-requests: write

concurrency:
  group: promptgate-\${{ github.event.pull_request.number }}
  cancel-in-progress: true

jobs:
  promptgate:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: Check out with full history (ci needs the merge base with the base branch)
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
${SETUP_STEPS}
${CACHE_STEP}
      # Runs \`promptgate ci\`, keeps one comment on the pull request, uploads the run folder
      # (run.json, calls.jsonl, summary.md, junit.xml) and fails with the gate's exit code.
      - name: promptgate ci
        uses: ${PROMPTGATE_ACTION}
        with:
          command: ci
${KEYS}
`;

export const DRIFT_WORKFLOW = `# promptgate drift: every night, re-run the prompt versions of the accepted baseline on today's
# models (no cache), in ${DRIFT_SHARDS} shards, merged into one run and one verdict. Fails when scores regressed;
# also reports changed outputs, new errors and changed model versions.
# The baseline: the first run (none accepted yet) runs the cases and accepts the result; after
# you review a drift (a model change), run this workflow by hand with "accept" and a reason.
# Either way the new baseline (reports/baseline/) comes as a pull request to review and merge.
name: promptgate drift

on:
  schedule:
    - cron: '17 4 * * *'
  workflow_dispatch:
    inputs:
      accept:
        description: 'Accept this run as the new baseline (after reviewing a drift, e.g. a model change)'
        type: boolean
        default: false
      reason:
        description: 'Why (kept in reports/baseline/baseline.json)'
        type: string
        default: ''

permissions:
  contents: write
  pull-requests: write
  issues: write

concurrency:
  group: promptgate-drift
  cancel-in-progress: false

jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      command: \${{ steps.plan.outputs.command }}
    steps:
      - uses: actions/checkout@v4
      - name: Drift against the accepted baseline, or make the first one
        id: plan
        run: |
          if [ -f reports/baseline/baseline.json ]; then echo "command=drift" >> "$GITHUB_OUTPUT"
          else
            echo "::notice::No accepted baseline yet (reports/baseline/): this run makes the first one."
            echo "command=run" >> "$GITHUB_OUTPUT"
          fi

  drift:
    needs: plan
    runs-on: ubuntu-latest
    timeout-minutes: 60
    strategy:
      fail-fast: false
      matrix:
        shard: [${Array.from({ length: DRIFT_SHARDS }, (_, i) => i + 1).join(', ')}]
    steps:
      - name: Check out with full history (drift finds older prompt versions in git)
        uses: actions/checkout@v4
        with:
          fetch-depth: 0
${SETUP_STEPS}
${CACHE_STEP}
      # A shard's exit code is not the verdict: the merge job decides on all the cases.
      - name: promptgate \${{ needs.plan.outputs.command }} (shard \${{ matrix.shard }}/${DRIFT_SHARDS})
        id: shard
        uses: ${PROMPTGATE_ACTION}
        continue-on-error: true
        with:
          command: \${{ needs.plan.outputs.command }}
          shard: \${{ matrix.shard }}/${DRIFT_SHARDS}
          args: \${{ needs.plan.outputs.command == 'run' && '--no-cache' || '' }}
          artifact-name: promptgate-shard-\${{ matrix.shard }}
          comment: false
${KEYS}

  merge:
    needs: [plan, drift]
    if: always() && needs.plan.result == 'success'
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
${SETUP_STEPS}
      - name: Download the shards' run folders
        uses: actions/download-artifact@v4
        with:
          pattern: promptgate-shard-*
          path: shards
      # The run history (reports/index.jsonl) lives in the Actions cache between nights: restored
      # here, merge adds tonight's line, saved again under a new key below.
      - name: Restore the run history
        uses: actions/cache/restore@v4
        with:
          path: reports/index.jsonl
          key: promptgate-history-\${{ github.run_id }}
          restore-keys: promptgate-history-
      - name: promptgate merge (one run, one verdict)
        id: merge
        run: |
          before="$(ls -1d reports/[0-9]*/ 2>/dev/null | sort || true)"
          code=0
          npx promptgate merge shards/*/ --reporter console --reporter markdown --reporter junit || code=$?
          run_dir="$(comm -13 <(printf '%s\\n' "$before") <(ls -1d reports/[0-9]*/ 2>/dev/null | sort || true) | grep -v '^$' | tail -n 1 || true)"
          if [ -n "$run_dir" ] && [ -f "\${run_dir}summary.md" ]; then cat "\${run_dir}summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
          echo "exit-code=$code" >> "$GITHUB_OUTPUT"
          echo "run-dir=$run_dir" >> "$GITHUB_OUTPUT"
      - name: Upload the merged run folder
        if: always() && steps.merge.outputs.run-dir != ''
        uses: actions/upload-artifact@v4
        with:
          name: promptgate-drift-\${{ github.run_id }}
          path: \${{ steps.merge.outputs.run-dir }}
      # Trends over the nights: a sparkline table in the step summary, the page as an artifact.
      - name: promptgate history
        if: always() && steps.merge.outputs.run-dir != ''
        run: npx promptgate history
      - name: Save the run history
        if: always() && steps.merge.outputs.run-dir != ''
        uses: actions/cache/save@v4
        with:
          path: reports/index.jsonl
          key: promptgate-history-\${{ github.run_id }}
      - name: Upload the history page
        if: always() && steps.merge.outputs.run-dir != ''
        uses: actions/upload-artifact@v4
        with:
          name: promptgate-history-\${{ github.run_id }}
          path: reports/history.html
      # The first baseline, or a reviewed drift accepted by hand: baseline accept refuses a run
      # that errored, was interrupted or is incomplete. The new baseline comes as a pull request.
      - name: Accept the baseline (first run, or "accept" chosen)
        if: needs.plan.outputs.command == 'run' || inputs.accept
        env:
          GH_TOKEN: \${{ github.token }}
          REASON: \${{ inputs.reason || (needs.plan.outputs.command == 'run' && 'first baseline (nightly drift workflow)' || 'accepted by hand after review') }}
          RUN_DIR: \${{ steps.merge.outputs.run-dir }}
        run: |
          npx promptgate baseline accept "$RUN_DIR" --reason "$REASON"
          branch="promptgate/baseline-\${{ github.run_id }}"
          git switch -c "$branch"
          # reports/ is git-ignored: -f adds the baseline only.
          git add -f reports/baseline
          git -c user.name='github-actions[bot]' -c user.email='41898282+github-actions[bot]@users.noreply.github.com' commit -m "promptgate: accept drift baseline ($REASON)"
          git push origin "$branch"
          npx promptgate baseline show > "$RUNNER_TEMP/baseline.txt"
          gh pr create --head "$branch" --title "promptgate: new drift baseline" --body-file "$RUNNER_TEMP/baseline.txt"
      - name: Open an issue when drift fails
        if: needs.plan.outputs.command == 'drift' && steps.merge.outputs.exit-code != '0' && github.event_name == 'schedule'
        env:
          GH_TOKEN: \${{ github.token }}
          RUN_URL: \${{ github.server_url }}/\${{ github.repository }}/actions/runs/\${{ github.run_id }}
          RUN_DIR: \${{ steps.merge.outputs.run-dir }}
        run: |
          body="$RUNNER_TEMP/drift-issue.md"
          {
            echo "The nightly promptgate drift check failed: $RUN_URL"
            echo
            if [ -n "$RUN_DIR" ] && [ -f "\${RUN_DIR}summary.md" ]; then head -c 60000 "\${RUN_DIR}summary.md"; fi
          } > "$body"
          gh issue create --title "promptgate drift failed ($(date -u +%Y-%m-%d))" --body-file "$body"
      - name: Exit with the verdict
        if: needs.plan.outputs.command == 'drift' && !inputs.accept
        env:
          CODE: \${{ steps.merge.outputs.exit-code }}
        run: exit "\${CODE:-2}"
`;

/**
 * SIGINT / SIGTERM: the first stops scheduling and abandons in-flight calls (finished work is kept
 * and written); a second one exits at once with 130.
 */
export function interruptSignal(stderr: NodeJS.WritableStream = process.stderr): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    stderr.write(`\npromptgate: ${name} received: stopping, keeping finished work (again to quit at once)\n`);
    controller.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * A real Kafka broker for a test file: started once before its tests, stopped after them, its
 * log printed when a test fails.
 *
 * Without Java or the jars (`scripts/kafka/fetch.sh`) the file's tests are skipped with the reason
 * printed, except with `CI=true`, where they run and fail.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { brokerUnavailableReason, type KafkaBroker, startBroker } from '../../../scripts/kafka/broker.js';

/** Why this machine cannot run the Kafka tests, or `undefined`; never set on CI. */
export const kafkaSkipReason = process.env.CI === 'true' ? undefined : brokerUnavailableReason();
if (kafkaSkipReason) console.log(`Kafka tests skipped: ${kafkaSkipReason}`);

/** Registers the broker's start and stop; call inside a `describe.skipIf(kafkaSkipReason)`. */
export function useKafkaBroker(): { readonly bootstrap: string; readonly brokers: string[] } {
  let broker: KafkaBroker | undefined;
  beforeAll(async () => {
    broker = await startBroker({ keepLog: true });
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && broker) {
      console.log(`--- Kafka broker log (${broker.logPath}), last lines ---\n${broker.logTail(80)}`);
    }
  });
  afterAll(async () => {
    await broker?.stop();
  });
  return {
    get bootstrap() {
      if (!broker) throw new Error('the Kafka broker is not running');
      return broker.bootstrap;
    },
    get brokers() {
      return [this.bootstrap];
    },
  };
}

// Prometheus metrics of the webhook, through prom-client, on a registry of its own (not the global one).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface AdmissionMetrics {
  readonly registry: Registry;
  /** Reviews answered, by endpoint and result (allowed, denied, invalid: a 4xx answer). */
  readonly reviews: Counter<'endpoint' | 'result'>;
  /** Image decisions by result and policy ('(none)' for images no policy matches). */
  readonly decisions: Counter<'result' | 'policy'>;
  readonly duration: Histogram<'endpoint'>;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly cacheEntries: Gauge;
  readonly registryErrors: Counter<'code'>;
  /** Reviews being answered now. */
  readonly inFlight: Gauge;
  /** Registry reads (tag resolution, evidence) running now; bounded by --max-concurrent-verifications. */
  readonly verifying: Gauge;
  /** File reloads by what (policy, trust, tls) and result (success, failure). */
  readonly reloads: Counter<'what' | 'result'>;
}

export function createAdmissionMetrics(options: { defaultMetrics?: boolean } = {}): AdmissionMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reviews: new Counter({ name: 'provenant_admission_reviews_total', help: 'Admission reviews answered, by endpoint and result', labelNames: ['endpoint', 'result'] as const, registers }),
    decisions: new Counter({ name: 'provenant_admission_decisions_total', help: 'Image decisions, by result and matching policy', labelNames: ['result', 'policy'] as const, registers }),
    duration: new Histogram({
      name: 'provenant_admission_review_duration_seconds',
      help: 'Time to answer one review, by endpoint',
      labelNames: ['endpoint'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    cacheHits: new Counter({ name: 'provenant_admission_cache_hits_total', help: 'Image decisions answered from the verified-decision cache', registers }),
    cacheMisses: new Counter({ name: 'provenant_admission_cache_misses_total', help: 'Image decisions that had to be verified', registers }),
    cacheEntries: new Gauge({ name: 'provenant_admission_cache_entries', help: 'Verified decisions held in the cache', registers }),
    registryErrors: new Counter({ name: 'provenant_admission_registry_errors_total', help: 'Registry reads that failed, by error code', labelNames: ['code'] as const, registers }),
    inFlight: new Gauge({ name: 'provenant_admission_in_flight_reviews', help: 'Reviews being answered', registers }),
    verifying: new Gauge({ name: 'provenant_admission_registry_reads_in_flight', help: 'Registry reads running (bounded)', registers }),
    reloads: new Counter({ name: 'provenant_admission_reloads_total', help: 'Reloads of policies, trust material and the TLS certificate, by result', labelNames: ['what', 'result'] as const, registers }),
  };
}
